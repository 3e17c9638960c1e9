/*
 * The schema migrations compiled into agentd from sql/NNN-name.sql by
 * scripts/embed-migrations.sh, in version order.
 */
#ifndef CODEPIPER_MIGRATIONS_H
#define CODEPIPER_MIGRATIONS_H

#include <stddef.h>

struct migration {
	int		 version;
	const char	*name;
	const char	*sql;
};

extern const struct migration migrations[];
extern const size_t migrations_count;

#endif
