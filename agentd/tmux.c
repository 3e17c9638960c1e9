#include "tmux.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <time.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>

#include "log.h"
#include "xmalloc.h"

struct pending_command {
	tmux_reply_cb			 cb;
	void				*arg;
	TAILQ_ENTRY(pending_command)	 entry;
};
TAILQ_HEAD(pending_list, pending_command);

static struct {
	struct event_base	*base;
	struct bufferevent	*bev;
	pid_t			 pid;
	char			*socket_name;
	struct tmux_events	 events;
	struct pending_list	 pending;
	/* Inside a %begin ... %end block: collecting the reply's lines. */
	bool			 in_block;
	bool			 block_ours;	/* flags 1: a command we sent */
	char			 block_tag[64];	/* "<time> <number>" of %begin */
	char			*block;
	size_t			 block_len, block_cap;
	size_t			 block_lines;	/* lines so far, empty ones too */
} tmux;

const char *
tmux_socket_name(void)
{
	return tmux.socket_name;
}

bool
tmux_is_running(void)
{
	return tmux.bev != NULL;
}

static bool
is_plain(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || strchr(" _./:,@+=-", c) != NULL;
}

char *
tmux_quote(const char *s, size_t len)
{
	char *out = xmalloc(len * 4 + 3), *p = out;
	size_t i;

	*p++ = '"';
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c != '\0' && is_plain(c))
			*p++ = (char)c;
		else {
			*p++ = '\\';
			*p++ = (char)('0' + ((c >> 6) & 7));
			*p++ = (char)('0' + ((c >> 3) & 7));
			*p++ = (char)('0' + (c & 7));
		}
	}
	*p++ = '"';
	*p = '\0';
	return out;
}

size_t
tmux_unescape_output(char *s, size_t len)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '\\' && i + 3 < len &&
		    s[i + 1] >= '0' && s[i + 1] <= '7' &&
		    s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			s[o++] = (char)(((s[i + 1] - '0') << 6) |
			    ((s[i + 2] - '0') << 3) | (s[i + 3] - '0'));
			i += 3;
		} else
			s[o++] = s[i];
	}
	return o;
}

static void
block_append(const char *line, size_t len)
{
	if (tmux.block_len + len + 2 > tmux.block_cap) {
		tmux.block_cap = (tmux.block_len + len + 2) * 2;
		tmux.block = xrealloc(tmux.block, tmux.block_cap);
	}
	/* Every line after the first starts with \n, even after empty ones:
	 * a capture whose top rows are blank must keep them (else the text
	 * and the cursor position disagree). */
	if (tmux.block_lines++ > 0)
		tmux.block[tmux.block_len++] = '\n';
	memcpy(tmux.block + tmux.block_len, line, len);
	tmux.block_len += len;
	tmux.block[tmux.block_len] = '\0';
}

static void
finish_block(bool ok)
{
	struct pending_command *pc = TAILQ_FIRST(&tmux.pending);

	tmux.in_block = false;
	if (!tmux.block_ours) {
		/* The command on tmux's own command line (new-session -A) has
		 * one reply, or two when it attached to an existing hub. */
		tmux.block_len = 0;
		return;
	}
	if (pc == NULL) {
		log_warn("tmux: a reply arrived for no command");
		return;
	}
	TAILQ_REMOVE(&tmux.pending, pc, entry);
	if (!ok)
		log_debug("tmux: command failed: %s",
		    tmux.block_len ? tmux.block : "(no message)");
	if (pc->cb != NULL)
		pc->cb(ok, tmux.block_len ? tmux.block : "", pc->arg);
	free(pc);
	tmux.block_len = 0;
	if (tmux.block != NULL)
		tmux.block[0] = '\0';
}

/* "%subscription-changed dead $0 @1 1 %1 : 1:0" */
static void
handle_subscription(char *line)
{
	char *value, *pane, *save = NULL, *tok;
	int field = 0, status;

	if ((value = strstr(line, " : ")) == NULL)
		return;
	*value = '\0';
	value += 3;
	pane = NULL;
	for (tok = strtok_r(line, " ", &save); tok != NULL;
	    tok = strtok_r(NULL, " ", &save), field++) {
		if (field == 1 && strcmp(tok, "dead") != 0)
			return;
		if (field == 5)
			pane = tok;
	}
	if (pane == NULL || *pane != '%' || value[0] != '1' || value[1] != ':')
		return;
	/* Dead but not yet reaped by tmux: the status is still unknown. */
	status = value[2] != '\0' ? atoi(value + 2) : -1;
	if (tmux.events.pane_dead != NULL)
		tmux.events.pane_dead(pane, status);
}

static void
handle_line(char *line, size_t len)
{
	if (tmux.in_block) {
		/* A pane's text can hold "%end"; only our block's tag closes it. */
		size_t tag_len = strlen(tmux.block_tag);
		if (strncmp(line, "%end ", 5) == 0 &&
		    strncmp(line + 5, tmux.block_tag, tag_len) == 0) {
			finish_block(true);
			return;
		}
		if (strncmp(line, "%error ", 7) == 0 &&
		    strncmp(line + 7, tmux.block_tag, tag_len) == 0) {
			finish_block(false);
			return;
		}
		block_append(line, len);
		return;
	}
	if (strncmp(line, "%begin ", 7) == 0) {
		char *flags = strrchr(line, ' ');
		size_t n = (size_t)(flags - (line + 7));
		if (n >= sizeof tmux.block_tag)
			n = sizeof tmux.block_tag - 1;
		memcpy(tmux.block_tag, line + 7, n);
		tmux.block_tag[n] = '\0';
		tmux.block_ours = strcmp(flags, " 0") != 0;
		tmux.in_block = true;
		tmux.block_len = 0;
		tmux.block_lines = 0;
		return;
	}
	if (strncmp(line, "%output ", 8) == 0) {
		char *pane = line + 8, *data = strchr(pane, ' ');
		size_t n;
		if (data == NULL)
			return;
		*data++ = '\0';
		n = tmux_unescape_output(data, len - (size_t)(data - line));
		if (tmux.events.output != NULL)
			tmux.events.output(pane, (unsigned char *)data, n);
		return;
	}
	if (strncmp(line, "%subscription-changed ", 22) == 0) {
		handle_subscription(line);
		return;
	}
	if (strcmp(line, "%exit") == 0 || strncmp(line, "%exit ", 6) == 0)
		log_info("tmux: control client exiting (%s)", line);
}

static void
fail_pending(void)
{
	struct pending_command *pc;

	while ((pc = TAILQ_FIRST(&tmux.pending)) != NULL) {
		TAILQ_REMOVE(&tmux.pending, pc, entry);
		if (pc->cb != NULL)
			pc->cb(false, "tmux control client went away", pc->arg);
		free(pc);
	}
}

/* The client exits by itself once it has read our end-of-file and run what
 * we sent; give it a moment before insisting. */
static void
reap_child(void)
{
	int status, i;

	if (tmux.pid <= 0)
		return;
	for (i = 0; i < 100; i++) {
		if (waitpid(tmux.pid, &status, WNOHANG) == tmux.pid) {
			tmux.pid = 0;
			return;
		}
		usleep(10 * 1000);
	}
	kill(tmux.pid, SIGTERM);
	waitpid(tmux.pid, &status, 0);
	tmux.pid = 0;
}

static void
on_read(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);
	size_t len;
	char *line;

	while ((line = evbuffer_readln(in, &len, EVBUFFER_EOL_LF)) != NULL) {
		handle_line(line, len);
		free(line);
	}
}

static void
on_event(struct bufferevent *bev, short what, void *arg)
{
	if (!(what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)))
		return;
	log_warn("tmux: control client lost (%s)",
	    (what & BEV_EVENT_EOF) ? "end of file" : strerror(errno));
	bufferevent_free(tmux.bev);
	tmux.bev = NULL;
	tmux.in_block = false;
	reap_child();
	fail_pending();
	if (tmux.events.lost != NULL)
		tmux.events.lost();
}

static void
queue_pending(tmux_reply_cb cb, void *arg)
{
	struct pending_command *pc = xcalloc(1, sizeof *pc);

	pc->cb = cb;
	pc->arg = arg;
	TAILQ_INSERT_TAIL(&tmux.pending, pc, entry);
}

int
tmux_start(struct event_base *base, const char *socket_name,
    const char *config_path, const struct tmux_events *events, char **cause)
{
	int sv[2];
	pid_t pid;

	if (tmux.bev != NULL)
		return 0;
	if (tmux.pending.tqh_last == NULL)
		TAILQ_INIT(&tmux.pending);
	tmux.base = base;
	if (tmux.socket_name == NULL || strcmp(tmux.socket_name, socket_name) != 0) {
		free(tmux.socket_name);
		tmux.socket_name = xstrdup(socket_name);
	}
	tmux.events = *events;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1) {
		xasprintf(cause, "socketpair: %s", strerror(errno));
		return -1;
	}
	if ((pid = fork()) == -1) {
		xasprintf(cause, "fork: %s", strerror(errno));
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		dup2(sv[1], STDIN_FILENO);
		dup2(sv[1], STDOUT_FILENO);
		/* Our agents must not inherit a TMUX variable pointing elsewhere. */
		unsetenv("TMUX");
		execlp("tmux", "tmux", "-L", socket_name, "-f", config_path, "-C",
		    "new-session", "-A", "-s", TMUX_HUB_SESSION, "-x", "200",
		    "-y", "50", "--", "sleep", "2147483647", (char *)NULL);
		_exit(127);
	}
	close(sv[1]);
	tmux.pid = pid;
	evutil_make_socket_nonblocking(sv[0]);
	tmux.bev = bufferevent_socket_new(base, sv[0], BEV_OPT_CLOSE_ON_FREE);
	bufferevent_setcb(tmux.bev, on_read, NULL, on_event, NULL);
	bufferevent_enable(tmux.bev, EV_READ | EV_WRITE);
	return 0;
}

void
tmux_drain(int timeout_ms)
{
	int64_t deadline;
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	deadline = ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 + timeout_ms;
	while (tmux.bev != NULL && !TAILQ_EMPTY(&tmux.pending)) {
		struct timeval tv = { 0, 20 * 1000 };
		event_base_loopexit(tmux.base, &tv);
		event_base_loop(tmux.base, EVLOOP_ONCE);
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000 > deadline)
			break;
	}
}

void
tmux_stop(void)
{
	if (tmux.bev != NULL) {
		/* Deliver what is queued (kills at shutdown) before closing. */
		struct evbuffer *out = bufferevent_get_output(tmux.bev);
		int fd = bufferevent_getfd(tmux.bev);
		int flags = fcntl(fd, F_GETFL);
		fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
		while (evbuffer_get_length(out) > 0 && evbuffer_write(out, fd) > 0)
			;
		bufferevent_free(tmux.bev);
		tmux.bev = NULL;
	}
	reap_child();
	fail_pending();
	free(tmux.block);
	tmux.block = NULL;
	tmux.block_len = tmux.block_cap = 0;
	free(tmux.socket_name);
	tmux.socket_name = NULL;
}

void
tmux_command(tmux_reply_cb cb, void *arg, const char *fmt, ...)
{
	va_list ap;
	char *line;
	int len;

	if (tmux.bev == NULL) {
		if (cb != NULL)
			cb(false, "tmux is not running", arg);
		return;
	}
	va_start(ap, fmt);
	len = xvasprintf(&line, fmt, ap);
	va_end(ap);
	if (memchr(line, '\n', (size_t)len) != NULL)
		BUG("a tmux command line must not contain a newline");
	log_debug("tmux <- %.200s", line);
	queue_pending(cb, arg);
	bufferevent_write(tmux.bev, line, (size_t)len);
	bufferevent_write(tmux.bev, "\n", 1);
	free(line);
}
