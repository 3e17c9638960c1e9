/*
 * codepiper send <id> [text...]: POST /sessions/:id/send, optionally after
 * uploading an image (POST /sessions/:id/upload-image, multipart) whose
 * stored path is then typed into the prompt (cli.md §2 "send"). Only local
 * image files: a URL is refused rather than downloaded.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "xmalloc.h"

static const char usage[] =
"Usage: codepiper send <session-id> [text...] [options] [-- text...]\n"
"\n"
"Type text into a session's prompt and press Enter.\n"
"\n"
"Options:\n"
"      --no-newline     type the text without pressing Enter\n"
"  -n, --newline        press Enter after the text (the default)\n"
"  -i, --image <path>   upload a local image first and send its path\n"
"  -s, --socket <path>  daemon socket\n"
"  --                   the rest is text, even words starting with '-'\n";

/* The daemon refuses more (sessions.md upload-image); check before sending. */
#define IMAGE_MAX	(10 * 1024 * 1024)

static const char *
image_type(const char *path)
{
	const char	*dot = strrchr(path, '.');

	if (dot == NULL)
		return "application/octet-stream";
	if (strcasecmp(dot, ".png") == 0)
		return "image/png";
	if (strcasecmp(dot, ".jpg") == 0 || strcasecmp(dot, ".jpeg") == 0)
		return "image/jpeg";
	if (strcasecmp(dot, ".gif") == 0)
		return "image/gif";
	if (strcasecmp(dot, ".webp") == 0)
		return "image/webp";
	return "application/octet-stream";
}

/* path made absolute for messages (it may not exist). */
static char *
absolute_path(const char *path)
{
	char	cwd[PATH_MAX];

	if (path[0] == '/' || getcwd(cwd, sizeof cwd) == NULL)
		return xstrdup(path);
	return xprintf("%s/%s", cwd, path);
}

/* The whole file, at most IMAGE_MAX bytes; NULL after printing why. */
static char *
read_image(const char *path, size_t *len)
{
	struct stat	 st;
	char		*data, *shown;
	ssize_t		 n = 0;
	size_t		 got = 0;
	int		 fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		shown = absolute_path(path);
		if (errno == ENOENT || fd == -1)
			cli_error("Image file not found: %s", shown);
		else
			cli_error("Not a regular file: %s", shown);
		free(shown);
		if (fd != -1)
			close(fd);
		return NULL;
	}
	if (st.st_size > IMAGE_MAX) {
		cli_error("Image too large (%.1fMB, max 10MB)",
		    (double)st.st_size / (1024 * 1024));
		close(fd);
		return NULL;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		n = read(fd, data + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += n;
	}
	close(fd);
	if (got != (size_t)st.st_size) {
		cli_error("Reading %s: %s", path, n == 0 ? "file shrank" :
		    strerror(errno));
		free(data);
		return NULL;
	}
	*len = got;
	return data;
}

/*
 * A multipart/form-data body with one file field "image". The boundary is
 * chosen so that it does not occur in the data.
 */
static char *
multipart_body(const char *filename, const char *type, const char *data,
    size_t len, char **boundary, size_t *body_len)
{
	char		*head, *tail, *body, *name, *p;
	unsigned	 seed = (unsigned)time(NULL) ^ (unsigned)getpid();
	size_t		 head_len, tail_len;

	for (;;) {
		*boundary = xprintf("codepiper-%08x%08x", seed,
		    (unsigned)rand_r(&seed));
		if (memmem(data, len, *boundary, strlen(*boundary)) == NULL)
			break;
		free(*boundary);
	}
	/* Quotes and line breaks would end the header value: drop them. */
	name = xstrdup(filename);
	for (p = name; *p != '\0'; p++) {
		if (*p == '"' || *p == '\r' || *p == '\n' || *p == '\\')
			*p = '_';
	}
	head_len = xasprintf(&head, "--%s\r\nContent-Disposition: form-data; "
	    "name=\"image\"; filename=\"%s\"\r\nContent-Type: %s\r\n\r\n",
	    *boundary, name, type);
	tail_len = xasprintf(&tail, "\r\n--%s--\r\n", *boundary);
	body = xmalloc(head_len + len + tail_len);
	memcpy(body, head, head_len);
	memcpy(body + head_len, data, len);
	memcpy(body + head_len + len, tail, tail_len);
	*body_len = head_len + len + tail_len;
	free(name);
	free(head);
	free(tail);
	return body;
}

/* Upload path to session id; the stored path, or NULL after an error. */
static char *
upload_image(const char *socket, const char *id, const char *path)
{
	struct cli_response	 response;
	const char		*base, *stored;
	char			*data, *body, *boundary, *content_type, *target;
	char			*cause = NULL, *result = NULL;
	size_t			 len, body_len;

	if (strncmp(path, "http://", 7) == 0 ||
	    strncmp(path, "https://", 8) == 0) {
		cli_error("Image URLs are not supported; download the file "
		    "and pass its path");
		return NULL;
	}
	if ((data = read_image(path, &len)) == NULL)
		return NULL;
	if (len == 0) {
		cli_error("Image file is empty");
		free(data);
		return NULL;
	}
	base = strrchr(path, '/') != NULL ? strrchr(path, '/') + 1 : path;
	body = multipart_body(base, image_type(base), data, len, &boundary,
	    &body_len);
	free(data);
	content_type = xprintf("multipart/form-data; boundary=%s", boundary);
	target = cli_session_target(id, "upload-image");
	if (cli_call_raw(socket, "POST", target, content_type, body, body_len,
	    CLI_TIMEOUT_MS, &response, &cause) != 0) {
		cli_error("%s", cause);
		free(cause);
		goto out;
	}
	if (response.status < 200 || response.status > 299) {
		cause = cli_response_error(&response);
		cli_error("%s", cause);
		free(cause);
	} else if ((stored = json_string_value(json_object_get(response.json,
	    "path"))) == NULL)
		cli_error("Invalid response from daemon: no image path");
	else
		result = xstrdup(stored);
	cli_response_free(&response);
out:
	free(target);
	free(content_type);
	free(boundary);
	free(body);
	return result;
}

int
cmd_send(int argc, char **argv)
{
	const char		*socket_flag = NULL, *image = NULL, *socket;
	int			 newline = 0, no_newline = 0;
	struct cli_args		 args;
	struct cli_option	 options[] = {
		{ 's', "socket", CLI_VALUE, &socket_flag },
		{ 'n', "newline", CLI_FLAG, &newline },
		{ 0, "no-newline", CLI_FLAG, &no_newline },
		{ 'i', "image", CLI_VALUE, &image },
		{ 0, NULL, 0, NULL },
	};
	char			*text = NULL, *next, *stored, *target;
	json_t			*reply, *body;
	size_t			 i;
	int			 status = CLI_EXIT_FAIL;

	if (cli_parse(argc, argv, options, usage, 0, &args) != 0)
		return args.exit_status;
	if (args.positional.n < 1) {
		cli_args_free(&args);
		return cli_usage_error("session-id is required");
	}
	for (i = 1; i < args.positional.n; i++) {
		if (text == NULL)
			text = xstrdup(args.positional.items[i]);
		else {
			next = xprintf("%s %s", text, args.positional.items[i]);
			free(text);
			text = next;
		}
	}
	if (text == NULL && image == NULL) {
		cli_args_free(&args);
		return cli_usage_error("text or --image is required");
	}
	socket = cli_socket_path(socket_flag);
	if (image != NULL) {
		stored = upload_image(socket, args.positional.items[0], image);
		if (stored == NULL)
			goto out;
		if (text == NULL)
			text = stored;
		else {
			next = xprintf("%s\n\n%s", text, stored);
			free(text);
			free(stored);
			text = next;
		}
	}
	if ((body = json_pack("{s:s,s:b}", "text", text, "newline",
	    !no_newline)) == NULL) {
		cli_error("The text is not valid UTF-8");
		goto out;
	}
	target = cli_session_target(args.positional.items[0], "send");
	reply = cli_api(socket, "POST", target, body);
	free(target);
	if (reply != NULL) {
		printf("Sent to session %s\n", args.positional.items[0]);
		json_decref(reply);
		status = CLI_EXIT_OK;
	}
out:
	free(text);
	cli_args_free(&args);
	return status;
}
