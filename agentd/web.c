/*
 * The embedded web edge: directories, the rendered nginx configuration and
 * the three supervised children.
 */
#include "web.h"

#include <errno.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "supervisor.h"
#include "util.h"
#include "xmalloc.h"

/* How long children get to stop on SIGTERM before SIGKILL. */
#define WEB_STOP_TIMEOUT_MS	5000
/* codepiper-fcgi threads: each holds one connection to agentd. */
#define WEB_FCGI_THREADS	"8"

extern const char nginx_conf_template[];

static const char placeholder_html[] =
"<!doctype html>\n"
"<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
"<title>CodePiper</title>\n"
"<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;"
"margin:4em auto;padding:0 1em;color:#222}code{background:#eee;"
"padding:0 .3em}</style></head><body>\n"
"<h1>CodePiper</h1>\n"
"<p>The daemon and its API are running, but the dashboard has not been "
"built.</p>\n"
"<p>Build it with <code>make run</code>, or <code>cd nginx/dashboard &amp;&amp; "
"npm ci &amp;&amp; npm run build</code>, then restart the daemon. The API "
"answers under <code>/api/</code>, e.g. <code>/api/health</code>.</p>\n"
"</body></html>\n";

static bool started;

static bool
is_executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	    access(path, X_OK) == 0;
}

static bool
is_directory(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static char *
find_nginx(void)
{
	const char *env = getenv("CODEPIPER_NGINX"), *path;
	char *copy, *dir, *save = NULL, *candidate;

	if (env != NULL && *env != '\0')
		return is_executable(env) ? xstrdup(env) : NULL;
	if (is_executable("/usr/sbin/nginx"))
		return xstrdup("/usr/sbin/nginx");
	if ((path = getenv("PATH")) == NULL)
		return NULL;
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		candidate = xprintf("%s/nginx", dir);
		if (*dir == '/' && is_executable(candidate)) {
			free(copy);
			return candidate;
		}
		free(candidate);
	}
	free(copy);
	return NULL;
}

/*
 * The built dashboard for a binary in <tree>/bin: the source tree is one
 * level up from build/ or two from build/<name>/.
 */
static char *
find_dashboard(const char *exe_dir)
{
	static const char *const candidates[] = {
		"%s/../../nginx/dashboard/dist",
		"%s/../../../nginx/dashboard/dist",
		"%s/../share/codepiper/dashboard",
	};
	char *dir, *index, resolved[4096];
	size_t i;

	for (i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
		dir = xprintf(candidates[i], exe_dir);
		index = xprintf("%s/index.html", dir);
		if (access(index, R_OK) == 0 && realpath(dir, resolved) != NULL) {
			free(index);
			free(dir);
			return xstrdup(resolved);
		}
		free(index);
		free(dir);
	}
	return NULL;
}

static char *
placeholder_root(const char *web_dir, char **cause)
{
	char *dir = xprintf("%s/placeholder", web_dir), *index;

	index = xprintf("%s/index.html", dir);
	if (mkdir_private(dir) != 0 || write_file_atomic(index,
	    placeholder_html, strlen(placeholder_html), 0600) != 0) {
		xasprintf(cause, "writing %s: %s", index, strerror(errno));
		free(index);
		free(dir);
		return NULL;
	}
	free(index);
	return dir;
}

/* Values go into nginx.conf unquoted: no room for anything odd. */
static bool
safe_value(const char *v)
{
	return *v != '\0' && strpbrk(v, " \t\r\n\"';{}$#\\") == NULL;
}

/* Replace every @NAME@ of the template; NULL with *cause if one is unsafe. */
static char *
render(const char *const pairs[][2], size_t npairs, char **cause)
{
	const char *p = nginx_conf_template, *at;
	size_t i, cap = strlen(p) * 2 + 4096, len = 0, n;
	char *out = xmalloc(cap);

	for (i = 0; i < npairs; i++) {
		if (!safe_value(pairs[i][1])) {
			xasprintf(cause, "%s for nginx.conf has a space or a "
			    "special character: %s", pairs[i][0], pairs[i][1]);
			free(out);
			return NULL;
		}
	}
	while ((at = strchr(p, '@')) != NULL) {
		const char *value = NULL, *name = NULL;
		for (i = 0; i < npairs; i++) {
			n = strlen(pairs[i][0]);
			if (strncmp(at, pairs[i][0], n) == 0) {
				name = pairs[i][0];
				value = pairs[i][1];
				break;
			}
		}
		n = (size_t)(at - p) + (value != NULL ? strlen(value) : 1);
		if (len + n + 1 > cap) {
			cap = (len + n + 1) * 2;
			out = xrealloc(out, cap);
		}
		memcpy(out + len, p, (size_t)(at - p));
		len += (size_t)(at - p);
		if (value != NULL) {
			memcpy(out + len, value, strlen(value));
			len += strlen(value);
			p = at + strlen(name);
		} else {
			out[len++] = '@';
			p = at + 1;
		}
	}
	n = strlen(p);
	if (len + n + 1 > cap)
		out = xrealloc(out, len + n + 1);
	memcpy(out + len, p, n + 1);
	return out;
}

/* The environment the children get: nothing secret. */
static char **
child_environment(void)
{
	static const char *const keep[] = {
		"PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR",
		"ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS",
		"CODEPIPER_ALLOWED_ORIGINS", "CODEPIPER_TRUST_PROXY_HEADERS",
	};
	extern char **environ;
	char **env, **e;
	size_t n = 0, i;

	for (e = environ; *e != NULL; e++)
		n++;
	env = xcalloc(n + 1, sizeof *env);
	n = 0;
	for (e = environ; *e != NULL; e++) {
		size_t name_len = strcspn(*e, "=");
		bool wanted = strncmp(*e, "CODEPIPER_WS_", 13) == 0;
		for (i = 0; !wanted && i < sizeof keep / sizeof keep[0]; i++)
			wanted = strlen(keep[i]) == name_len &&
			    strncmp(*e, keep[i], name_len) == 0;
		if (wanted)
			env[n++] = *e;
	}
	return env;
}

static int
spawn(const char *name, char *const argv[], char *const envp[], char **cause)
{
	if (supervisor_spawn(name, argv, envp, cause) == NULL)
		return -1;
	return 0;
}

int
web_start(struct event_base *base, char **cause)
{
	char *exe = NULL, *exe_dir = NULL, *web_dir = NULL, *logs = NULL;
	char *tmp = NULL, *conf = NULL, *conf_path = NULL, *pid = NULL;
	char *fcgi = NULL, *ws = NULL, *nginx = NULL, *root = NULL;
	char *fcgi_sock = NULL, *ws_sock = NULL, *listen = NULL, *tmp_prefix;
	char **env = NULL;
	int rc = -1;

	supervisor_init(base);
	if ((exe = self_exe_path()) == NULL) {
		xasprintf(cause, "cannot find agentd's own executable");
		goto out;
	}
	exe_dir = xstrdup(dirname(exe));
	fcgi = xprintf("%s/codepiper-fcgi", exe_dir);
	ws = xprintf("%s/codepiper-ws", exe_dir);
	if (!is_executable(fcgi)) {
		xasprintf(cause, "%s is missing: build it (make)", fcgi);
		goto out;
	}
	if ((nginx = find_nginx()) == NULL) {
		xasprintf(cause, "nginx not found (install nginx-light, or set "
		    "CODEPIPER_NGINX)");
		goto out;
	}

	web_dir = xprintf("%s/web", daemon_config.data_dir);
	logs = xprintf("%s/logs", web_dir);
	tmp = xprintf("%s/tmp", web_dir);
	if (mkdir_private(web_dir) != 0 || mkdir_private(logs) != 0 ||
	    mkdir_private(tmp) != 0) {
		xasprintf(cause, "creating %s: %s", web_dir, strerror(errno));
		goto out;
	}
	if (daemon_config.web_dir != NULL) {
		if (!is_directory(daemon_config.web_dir)) {
			xasprintf(cause, "--web-dir %s is not a directory",
			    daemon_config.web_dir);
			goto out;
		}
		root = xstrdup(daemon_config.web_dir);
	} else if ((root = find_dashboard(exe_dir)) == NULL) {
		if ((root = placeholder_root(web_dir, cause)) == NULL)
			goto out;
		log_warn("the dashboard is not built (nginx/dashboard/dist); "
		    "serving a placeholder page");
	}

	fcgi_sock = xprintf("%s/fcgi.sock", web_dir);
	ws_sock = xprintf("%s/ws.sock", web_dir);
	pid = xprintf("%s/nginx.pid", web_dir);
	conf_path = xprintf("%s/nginx.conf", web_dir);
	listen = strchr(daemon_config.web_host, ':') != NULL &&
	    daemon_config.web_host[0] != '[' ?
	    xprintf("[%s]:%d", daemon_config.web_host, daemon_config.web_port) :
	    xprintf("%s:%d", daemon_config.web_host, daemon_config.web_port);
	{
		const char *const pairs[][2] = {
			{ "@LISTEN@", listen },
			{ "@STATIC_ROOT@", root },
			{ "@FCGI_SOCKET@", fcgi_sock },
			{ "@WS_SOCKET@", ws_sock },
			{ "@PID_FILE@", pid },
			{ "@LOG_DIR@", logs },
			{ "@TMP_DIR@", tmp },
		};
		if ((conf = render(pairs, sizeof pairs / sizeof pairs[0],
		    cause)) == NULL)
			goto out;
	}
	if (write_file_atomic(conf_path, conf, strlen(conf), 0600) != 0) {
		xasprintf(cause, "writing %s: %s", conf_path, strerror(errno));
		goto out;
	}

	env = child_environment();
	{
		char *argv[] = { fcgi, (char *)"--socket", fcgi_sock,
		    (char *)"--backend", daemon_config.web_socket,
		    (char *)"--threads", (char *)WEB_FCGI_THREADS, NULL };
		if (spawn("codepiper-fcgi", argv, env, cause) != 0)
			goto out;
	}
	if (is_executable(ws)) {
		char *argv[] = { ws, (char *)"--socket", ws_sock,
		    (char *)"--backend", daemon_config.web_socket, NULL };
		if (spawn("codepiper-ws", argv, env, cause) != 0)
			goto out;
	} else
		log_warn("%s is not built: /ws (the live terminal) will not "
		    "work", ws);
	tmp_prefix = xprintf("%s/", tmp);
	{
		char *argv[] = { nginx, (char *)"-e", (char *)"stderr",
		    (char *)"-p", tmp_prefix, (char *)"-c", conf_path, NULL };
		rc = spawn("nginx", argv, env, cause);
	}
	free(tmp_prefix);
	if (rc == 0) {
		started = true;
		log_info("web dashboard on http://%s/ (static files from %s)",
		    listen, root);
	}

out:
	if (rc != 0 && started == false)
		supervisor_shutdown(WEB_STOP_TIMEOUT_MS);
	free(env);
	free(exe);
	free(exe_dir);
	free(web_dir);
	free(logs);
	free(tmp);
	free(conf);
	free(conf_path);
	free(pid);
	free(fcgi);
	free(ws);
	free(nginx);
	free(root);
	free(fcgi_sock);
	free(ws_sock);
	free(listen);
	return rc;
}

void
web_stop(void)
{
	if (!started)
		return;
	supervisor_shutdown(WEB_STOP_TIMEOUT_MS);
	started = false;
}
