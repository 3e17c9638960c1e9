/*
 * A multipart/form-data reader for uploads: finds one named part in a body
 * already in memory. Pure; the returned pointers point into the body.
 */
#ifndef CODEPIPER_MULTIPART_H
#define CODEPIPER_MULTIPART_H

#include <stddef.h>

struct multipart_part {
	const char	*filename;	/* NUL-terminated copy (caller frees) or NULL */
	char		*content_type;	/* caller frees; NULL when absent */
	const char	*data;		/* into the body */
	size_t		 len;
	int		 is_file;	/* had a filename= parameter */
};

/* 0 found, 1 no such field, -1 not valid multipart. Free with
 * multipart_part_free. */
int	multipart_find(const char *content_type, const char *body, size_t len,
	    const char *field, struct multipart_part *out);
void	multipart_part_free(struct multipart_part *part);

#endif
