/*
 * The agent providers (claude-code, codex): capabilities, launch hints, the
 * command line and the environment a session's agent starts with. A static
 * table; GET /providers serialises it.
 */
#ifndef CODEPIPER_PROVIDER_H
#define CODEPIPER_PROVIDER_H

#include <stdbool.h>

#include <jansson.h>

struct launch_options {
	const char	*session_id;
	const char	*settings_path;		/* claude: --settings, or NULL */
	json_t		*args;			/* array of strings */
	bool		 dangerous_mode;
	const char	*resume_id;		/* providerResume id or NULL */
	const char	*resume_mode;		/* "resume" | "fork" */
	bool		 codex_host_access;	/* daemon setting */
};

struct provider {
	const char	*id;
	const char	*label;
	const char	*executable;
	bool		 native_hooks;
	bool		 supports_dangerous_mode;
	bool		 supports_model_switch;
	bool		 supports_transcript_tailing;
	bool		 supports_tmux_adoption;
	const char	*policy_channel;
	const char	*metrics_channel;
	/* Appends the provider's argv (after the executable) to argv. */
	void		(*build_args)(const struct launch_options *opts,
			    json_t *argv);
};

const struct provider	*provider_find(const char *id);
json_t			*provider_list_json(void);
/* The full argv, executable first: a new array of strings. */
json_t			*provider_build_argv(const struct provider *p,
			    const struct launch_options *opts);

struct env_options {
	json_t		*request_env;		/* object or NULL */
	json_t		*env_set_vars;		/* object (merged sets) or NULL */
	const char	*billing_mode;		/* "subscription" | "api" */
	bool		 forward_ssh_auth_sock;
};
/* The session's environment as an object of strings (spec providers.md §3),
 * including the launcher's fallback keys. */
json_t			*provider_build_env(const struct provider *p,
			    const struct env_options *opts);

/* Look an executable up on the PATH of env; the caller frees. */
char			*provider_find_executable(const char *name, json_t *env);

#endif
