/*
 * A session's model (providers.md §5): switching it by typing "/model X"
 * into the agent, the model_switches history, and what the transcript says
 * the agent really used.
 */
#ifndef CODEPIPER_MODEL_H
#define CODEPIPER_MODEL_H

#include <jansson.h>

struct session;

#define MODEL_NAME_MAX	100

/* NULL when name is an acceptable model name, else the error message
 * (static or *buf, which the caller frees). */
const char *model_name_error(const char *name, char **buf);
/*
 * Type "/model <name>" into the agent, record metadata.currentModel and
 * previousModel and a model_switches row. name must be valid. 0 or -1
 * (the session is closing).
 */
int	 model_switch(struct session *s, const char *name);
/* The model of the session's latest transcript usage; caller frees; NULL
 * when none was seen. */
char	*model_reported(const char *session_id);

#endif
