/*
 * The agent launcher: `agentd --launch FILE` runs as the first process of a
 * session's tmux pane. It reads the launch file session.c wrote (folder,
 * environment, argv, NUL-separated), deletes it, and execs the agent with
 * exactly that environment — the `env -i` of the reference, without putting
 * values on a command line where `ps` would show them.
 */
#ifndef CODEPIPER_LAUNCH_H
#define CODEPIPER_LAUNCH_H

/* Does not return on success; returns the exit status on failure. */
int	launch_exec(const char *path);

#endif
