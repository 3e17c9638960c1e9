/*
 * Process-wide facts of the running daemon: its paths and options, set once
 * by main() and read by modules that need them (hooks need the socket path).
 */
#ifndef CODEPIPER_DAEMON_H
#define CODEPIPER_DAEMON_H

#include <stdbool.h>

#include <event2/event.h>

struct daemon_config {
	char	*data_dir;	/* ~/.codepiper or CODEPIPER_HOME */
	char	*db_path;
	char	*cli_socket;	/* the socket we actually listen on */
	char	*web_socket;	/* $data_dir/web.sock */
	char	*tmux_socket;	/* tmux -L name */
	char	*pid_file;
	bool	 web;
	char	*web_host;
	int	 web_port;
	char	*web_dir;	/* built dashboard */
};

extern struct daemon_config daemon_config;
extern struct event_base *daemon_base;

/* Ask the daemon to stop (as on SIGTERM); restart re-executes it. */
void	daemon_request_stop(bool restart);

#endif
