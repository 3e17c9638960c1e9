#include "provider.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xmalloc.h"

static void
claude_build_args(const struct launch_options *o, json_t *argv)
{
	if (o->resume_id != NULL) {
		json_array_append_new(argv, json_string("--resume"));
		json_array_append_new(argv, json_string(o->resume_id));
		if (o->resume_mode != NULL && strcmp(o->resume_mode, "fork") == 0)
			json_array_append_new(argv, json_string("--fork-session"));
	} else {
		json_array_append_new(argv, json_string("--session-id"));
		json_array_append_new(argv, json_string(o->session_id));
	}
	if (o->dangerous_mode)
		json_array_append_new(argv,
		    json_string("--dangerously-skip-permissions"));
	if (o->settings_path != NULL) {
		json_array_append_new(argv, json_string("--settings"));
		json_array_append_new(argv, json_string(o->settings_path));
	}
	if (o->args != NULL)
		json_array_extend(argv, o->args);
}

static void
codex_build_args(const struct launch_options *o, json_t *argv)
{
	if (o->dangerous_mode)
		json_array_append_new(argv,
		    json_string("--dangerously-bypass-approvals-and-sandbox"));
	else if (o->codex_host_access) {
		json_array_append_new(argv, json_string("--sandbox"));
		json_array_append_new(argv, json_string("danger-full-access"));
		json_array_append_new(argv, json_string("-a"));
		json_array_append_new(argv, json_string("on-request"));
	}
	if (o->resume_id != NULL)
		json_array_append_new(argv, json_string(
		    o->resume_mode != NULL && strcmp(o->resume_mode, "fork") == 0 ?
		    "fork" : "resume"));
	if (o->args != NULL)
		json_array_extend(argv, o->args);
	if (o->resume_id != NULL)
		json_array_append_new(argv, json_string(o->resume_id));
}

static const struct provider providers[] = {
	{
		.id = "claude-code", .label = "Claude Code", .executable = "claude",
		.native_hooks = true, .supports_dangerous_mode = true,
		.supports_model_switch = true, .supports_transcript_tailing = true,
		.supports_tmux_adoption = true, .policy_channel = "native-hooks",
		.metrics_channel = "transcript", .build_args = claude_build_args,
	},
	{
		.id = "codex", .label = "Codex", .executable = "codex",
		.native_hooks = false, .supports_dangerous_mode = true,
		.supports_model_switch = false, .supports_transcript_tailing = false,
		.supports_tmux_adoption = true, .policy_channel = "input-preflight",
		.metrics_channel = "pty", .build_args = codex_build_args,
	},
};
#define NPROVIDERS (sizeof providers / sizeof providers[0])

const struct provider *
provider_find(const char *id)
{
	size_t i;

	for (i = 0; i < NPROVIDERS; i++) {
		if (strcmp(providers[i].id, id) == 0)
			return &providers[i];
	}
	return NULL;
}

static json_t *
launch_hints(const struct provider *p)
{
	if (strcmp(p->id, "claude-code") == 0)
		return json_pack("{s:[s],s:{s:s,s:s,s:s}}",
		    "dangerousModeFlags", "--dangerously-skip-permissions",
		    "resumeCommands", "resume", "claude --resume {id}",
		    "fork", "claude --resume {id} --fork-session",
		    "idPlaceholder", "claude session id");
	return json_pack("{s:[s],s:{s:s,s:s,s:s}}",
	    "dangerousModeFlags", "--dangerously-bypass-approvals-and-sandbox",
	    "resumeCommands", "resume", "codex resume {id}",
	    "fork", "codex fork {id}",
	    "idPlaceholder", "019c7285-ba64-7462-bbfc-4227f3e24e88");
}

json_t *
provider_list_json(void)
{
	json_t *list = json_array();
	size_t i;

	for (i = 0; i < NPROVIDERS; i++) {
		const struct provider *p = &providers[i];
		json_array_append_new(list, json_pack(
		    "{s:s,s:s,s:s,s:{s:b,s:b,s:b,s:b,s:b,s:s,s:s},s:o}",
		    "id", p->id, "label", p->label, "runtime", "tmux",
		    "capabilities",
		    "nativeHooks", p->native_hooks,
		    "supportsDangerousMode", p->supports_dangerous_mode,
		    "supportsModelSwitch", p->supports_model_switch,
		    "supportsTranscriptTailing", p->supports_transcript_tailing,
		    "supportsTmuxAdoption", p->supports_tmux_adoption,
		    "policyChannel", p->policy_channel,
		    "metricsChannel", p->metrics_channel,
		    "launchHints", launch_hints(p)));
	}
	return json_pack("{s:o}", "providers", list);
}

json_t *
provider_build_argv(const struct provider *p, const struct launch_options *opts)
{
	json_t *argv = json_array();

	json_array_append_new(argv, json_string(p->executable));
	p->build_args(opts, argv);
	return argv;
}

static void
copy_daemon_env(json_t *env, const char *const *keys)
{
	const char *value;

	for (; *keys != NULL; keys++) {
		if ((value = getenv(*keys)) != NULL)
			json_object_set_new(env, *keys, json_string(value));
	}
}

json_t *
provider_build_env(const struct provider *p, const struct env_options *opts)
{
	static const char *const allowed[] = { "PATH", "HOME", "USER", "SHELL",
	    "TERM", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ", "EDITOR",
	    "VISUAL", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_RUNTIME_DIR",
	    "XDG_CACHE_HOME", NULL };
	static const char *const ssh[] = { "SSH_AUTH_SOCK", "SSH_AGENT_PID", NULL };
	json_t *env = json_object();
	const char *api_key;

	copy_daemon_env(env, allowed);
	if (opts->forward_ssh_auth_sock)
		copy_daemon_env(env, ssh);
	if (opts->request_env != NULL)
		json_object_update(env, opts->request_env);
	if (opts->env_set_vars != NULL)
		json_object_update(env, opts->env_set_vars);
	if (opts->billing_mode != NULL && strcmp(opts->billing_mode, "api") == 0) {
		if (json_object_get(env, "ANTHROPIC_API_KEY") == NULL &&
		    (api_key = getenv("ANTHROPIC_API_KEY")) != NULL)
			json_object_set_new(env, "ANTHROPIC_API_KEY",
			    json_string(api_key));
	} else
		json_object_del(env, "ANTHROPIC_API_KEY");
	json_object_del(env, "CLAUDECODE");
	/* A terminal the TUIs can draw colour in, unless the user chose one. */
	if (json_object_get(env, "TERM") == NULL)
		json_object_set_new(env, "TERM", json_string("xterm-256color"));
	(void)p;
	return env;
}

char *
provider_find_executable(const char *name, json_t *env)
{
	const char *path = json_string_value(json_object_get(env, "PATH"));
	char *copy, *dir, *save = NULL, *candidate;

	if (strchr(name, '/') != NULL)
		return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
	if (path == NULL)
		path = "/usr/local/bin:/usr/bin:/bin";
	copy = xstrdup(path);
	for (dir = strtok_r(copy, ":", &save); dir != NULL;
	    dir = strtok_r(NULL, ":", &save)) {
		candidate = xprintf("%s/%s", *dir ? dir : ".", name);
		if (access(candidate, X_OK) == 0) {
			free(copy);
			return candidate;
		}
		free(candidate);
	}
	free(copy);
	return NULL;
}
