#include "settings.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "util.h"
#include "validate.h"
#include "xmalloc.h"

#define MAP_MAX_ENTRIES		128
#define MAP_KEY_MAX		128
#define SOUND_VALUE_MAX		700000
#define SOUND_TOTAL_MAX		900000

static json_t *current;
static int64_t updated_at;
static bool stored;	/* a row exists; until then updatedAt is "now" */

static const char *const boolean_keys[] = {
	"preserveSessions", NULL /* defaultPolicyAction */, "forwardSshAuthSock",
	"codexHostAccessProfileEnabled", "notificationsEnabled",
	"systemNotificationsEnabled", "notificationSoundsEnabled",
};

static const char *const feature_boolean_keys[] = {
	"wsPtyPasteEnabled", "latencyProbesEnabled", "diagnosticsPanelEnabled",
	"codexAppServerSpikeEnabled",
};

static const char *const feature_percent_keys[] = {
	"wsPtyPasteCanaryPercent", "latencyProbesCanaryPercent",
	"diagnosticsPanelCanaryPercent",
};

static json_t *
defaults(void)
{
	return json_pack("{s:b,s:s,s:b,s:b,s:{s:b,s:b,s:b,s:b,s:i,s:i,s:i},"
	    "s:b,s:b,s:b,s:{},s:{}}",
	    "preserveSessions", 0, "defaultPolicyAction", "ask",
	    "forwardSshAuthSock", 1, "codexHostAccessProfileEnabled", 0,
	    "terminalFeatures",
	    "wsPtyPasteEnabled", 1, "latencyProbesEnabled", 1,
	    "diagnosticsPanelEnabled", 0, "codexAppServerSpikeEnabled", 0,
	    "wsPtyPasteCanaryPercent", 100, "latencyProbesCanaryPercent", 100,
	    "diagnosticsPanelCanaryPercent", 0,
	    "notificationsEnabled", 0, "systemNotificationsEnabled", 0,
	    "notificationSoundsEnabled", 1,
	    "notificationEventDefaults", "notificationSoundMap");
}

int
settings_load(void)
{
	sqlite3_stmt *stmt = db_stmt("SELECT settings_json, updated_at FROM "
	    "daemon_settings WHERE id = 1");
	json_t *saved = NULL, *features;

	if (current != NULL)
		json_decref(current);
	current = defaults();
	updated_at = now_ms();
	stored = false;
	if (sqlite3_step(stmt) == SQLITE_ROW) {
		saved = db_column_json(stmt, 0);
		updated_at = sqlite3_column_int64(stmt, 1);
		stored = true;
	}
	db_stmt_done(stmt);
	if (saved != NULL && json_is_object(saved)) {
		/* Sub-keys added to terminalFeatures later keep defaults. */
		features = json_object_get(saved, "terminalFeatures");
		if (json_is_object(features))
			json_object_update(json_object_get(current,
			    "terminalFeatures"), features);
		json_object_del(saved, "terminalFeatures");
		json_object_update(current, saved);
	}
	if (saved != NULL)
		json_decref(saved);
	return 0;
}

void
settings_unload(void)
{
	if (current != NULL)
		json_decref(current);
	current = NULL;
}

json_t *
settings_all(void)
{
	if (current == NULL)
		settings_load();
	return current;
}

bool
settings_bool(const char *key)
{
	return json_is_true(json_object_get(settings_all(), key));
}

const char *
settings_string(const char *key)
{
	return json_string_value(json_object_get(settings_all(), key));
}

int64_t
settings_updated_at(void)
{
	return stored ? updated_at : now_ms();
}

int
settings_update(json_t *update)
{
	sqlite3_stmt *stmt;
	json_t *next = json_deep_copy(settings_all());
	char *text;
	int64_t now = now_ms();
	int rc;

	json_object_update(next, update);
	text = json_dumps(next, JSON_COMPACT);
	stmt = db_stmt("INSERT INTO daemon_settings (id, settings_json, updated_at) "
	    "VALUES (1, ?, ?) ON CONFLICT(id) DO UPDATE SET "
	    "settings_json = excluded.settings_json, updated_at = excluded.updated_at");
	sqlite3_bind_text(stmt, 1, text, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(stmt, 2, now);
	free(text);
	rc = sqlite3_step(stmt);
	db_stmt_done(stmt);
	if (rc != SQLITE_DONE) {
		log_warn("settings_update: %s", db_errmsg());
		json_decref(next);
		return -1;
	}
	json_decref(current);
	current = next;
	updated_at = now;
	stored = true;
	return 0;
}

json_t *
settings_json(void)
{
	char when[ISO_TIME_LEN];
	json_t *out = json_deep_copy(settings_all());

	json_object_set_new(out, "updatedAt",
	    json_string(iso_time(settings_updated_at(), when)));
	return out;
}

/* ------------------------------------------------------------ validation */

static bool
has_control_characters(const char *s)
{
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	}
	return false;
}

/* The key rules both maps share; NULL or the message (caller frees). */
static char *
map_key_error(const char *field, const char *key)
{
	if (*key == '\0')
		return xprintf("%s keys must not be empty", field);
	if (utf16_length(key) > MAP_KEY_MAX)
		return xprintf("%s keys must be at most %d characters", field,
		    MAP_KEY_MAX);
	if (has_outer_space(key))
		return xprintf("%s keys must not have leading or trailing "
		    "whitespace", field);
	if (has_control_characters(key))
		return xprintf("%s keys must not contain control characters",
		    field);
	return NULL;
}

static char *
check_event_defaults(json_t *value)
{
	const char *field = "notificationEventDefaults", *key;
	json_t *v;
	char *error;

	if (!json_is_object(value))
		return xprintf("%s must be an object with boolean values", field);
	json_object_foreach(value, key, v) {
		if (!json_is_boolean(v))
			return xprintf("%s must be an object with boolean "
			    "values", field);
	}
	if (json_object_size(value) > MAP_MAX_ENTRIES)
		return xprintf("%s must contain at most %d entries", field,
		    MAP_MAX_ENTRIES);
	json_object_foreach(value, key, v) {
		if ((error = map_key_error(field, key)) != NULL)
			return error;
	}
	return NULL;
}

static char *
check_sound_map(json_t *value)
{
	const char *field = "notificationSoundMap", *key;
	size_t total = 0, len;
	json_t *v;
	char *error;

	if (!json_is_object(value))
		return xprintf("%s must be an object with string values", field);
	json_object_foreach(value, key, v) {
		if (!json_is_string(v))
			return xprintf("%s must be an object with string "
			    "values", field);
	}
	if (json_object_size(value) > MAP_MAX_ENTRIES)
		return xprintf("%s must contain at most %d entries", field,
		    MAP_MAX_ENTRIES);
	json_object_foreach(value, key, v) {
		if ((error = map_key_error(field, key)) != NULL)
			return error;
		len = json_string_length(v);
		if (len == 0)
			return xprintf("%s values must not be empty", field);
		if (len > SOUND_VALUE_MAX)
			return xprintf("%s values must be at most %d bytes",
			    field, SOUND_VALUE_MAX);
		total += len;
	}
	if (total > SOUND_TOTAL_MAX)
		return xprintf("%s total payload must be at most %d bytes",
		    field, SOUND_TOTAL_MAX);
	return NULL;
}

/* terminalFeatures: merged into the current values in *merged. */
static char *
check_features(json_t *value, json_t **merged)
{
	json_t *v;
	double d;
	size_t i;

	if (!json_is_object(value))
		return xstrdup("terminalFeatures must be an object");
	*merged = json_deep_copy(json_object_get(settings_all(),
	    "terminalFeatures"));
	for (i = 0; i < sizeof feature_boolean_keys /
	    sizeof feature_boolean_keys[0]; i++) {
		if ((v = json_object_get(value, feature_boolean_keys[i])) == NULL)
			continue;
		if (!json_is_boolean(v))
			return xprintf("%s must be a boolean",
			    feature_boolean_keys[i]);
		json_object_set(*merged, feature_boolean_keys[i], v);
	}
	for (i = 0; i < sizeof feature_percent_keys /
	    sizeof feature_percent_keys[0]; i++) {
		if ((v = json_object_get(value, feature_percent_keys[i])) == NULL)
			continue;
		d = json_number_value(v);
		if (!json_is_number(v) || !isfinite(d))
			return xprintf("%s must be a number",
			    feature_percent_keys[i]);
		d = floor(d + 0.5);	/* JavaScript's Math.round */
		if (d < 0 || d > 100)
			return xprintf("%s must be between 0 and 100",
			    feature_percent_keys[i]);
		json_object_set_new(*merged, feature_percent_keys[i],
		    json_integer((json_int_t)d));
	}
	return NULL;
}

json_t *
settings_validate(json_t *body, char **error)
{
	json_t *update = json_object(), *v, *merged = NULL;
	const char *action;
	size_t i;

	*error = NULL;
	for (i = 0; i < sizeof boolean_keys / sizeof boolean_keys[0]; i++) {
		if (boolean_keys[i] == NULL) {
			if ((v = json_object_get(body,
			    "defaultPolicyAction")) == NULL)
				continue;
			action = json_string_value(v);
			if (action == NULL || (strcmp(action, "ask") != 0 &&
			    strcmp(action, "deny") != 0)) {
				*error = xstrdup("defaultPolicyAction must be "
				    "\"ask\" or \"deny\"");
				goto fail;
			}
			json_object_set(update, "defaultPolicyAction", v);
			continue;
		}
		if ((v = json_object_get(body, boolean_keys[i])) == NULL)
			continue;
		if (!json_is_boolean(v)) {
			*error = xprintf("%s must be a boolean", boolean_keys[i]);
			goto fail;
		}
		json_object_set(update, boolean_keys[i], v);
	}
	if ((v = json_object_get(body, "notificationEventDefaults")) != NULL) {
		if ((*error = check_event_defaults(v)) != NULL)
			goto fail;
		json_object_set_new(update, "notificationEventDefaults",
		    json_deep_copy(v));
	}
	if ((v = json_object_get(body, "notificationSoundMap")) != NULL) {
		if ((*error = check_sound_map(v)) != NULL)
			goto fail;
		json_object_set_new(update, "notificationSoundMap",
		    json_deep_copy(v));
	}
	if ((v = json_object_get(body, "terminalFeatures")) != NULL) {
		if ((*error = check_features(v, &merged)) != NULL)
			goto fail;
		json_object_set_new(update, "terminalFeatures", merged);
		merged = NULL;
	}
	return update;

fail:
	if (merged != NULL)
		json_decref(merged);
	json_decref(update);
	return NULL;
}

json_t *
settings_restart_required(json_t *update)
{
	json_t *list = json_array(), *features, *now_value, *old_value;

	features = json_object_get(update, "terminalFeatures");
	if (features != NULL) {
		now_value = json_object_get(features, "wsPtyPasteEnabled");
		old_value = json_object_get(json_object_get(settings_all(),
		    "terminalFeatures"), "wsPtyPasteEnabled");
		if (now_value != NULL && !json_equal(now_value, old_value))
			json_array_append_new(list, json_string(
			    "terminalFeatures.wsPtyPasteEnabled"));
	}
	return list;
}
