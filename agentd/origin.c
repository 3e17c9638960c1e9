/*
 * Parsing of the few URL shapes we meet (Origin, Referer, Host, proxy
 * address lists) and the origin checks. Nothing here allocates per request
 * except origin_client_address's result.
 */
#include "origin.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xmalloc.h"

#define MAX_HOST	256

struct url_origin {
	char	scheme[16];
	char	host[MAX_HOST];		/* lowercase; IPv6 keeps its brackets */
	int	port;
};

static struct {
	char	**allowed;		/* hostnames, lowercase */
	size_t	  nallowed;
	char	 *web_host;
	bool	  trust_proxy_headers;
	bool	  force_secure_cookies;
} config;

static bool
env_is_one(const char *name)
{
	const char *v = getenv(name);

	return v != NULL && strcmp(v, "1") == 0;
}

static void
lowercase(char *s)
{
	for (; *s != '\0'; s++)
		*s = (char)tolower((unsigned char)*s);
}

static int
default_port(const char *scheme)
{
	if (strcmp(scheme, "http") == 0 || strcmp(scheme, "ws") == 0)
		return 80;
	if (strcmp(scheme, "https") == 0 || strcmp(scheme, "wss") == 0)
		return 443;
	return 0;
}

/*
 * host[:port] or [v6][:port], up to len bytes of s. The host goes to out
 * (lowercase, brackets kept); *port is 0 when absent. -1 if malformed.
 */
static int
parse_authority(const char *s, size_t len, char host[MAX_HOST], int *port)
{
	const char *end = s + len, *colon = NULL, *p;
	size_t hlen;
	long n;

	*port = 0;
	if (len == 0)
		return -1;
	if (*s == '[') {
		if ((p = memchr(s, ']', len)) == NULL)
			return -1;
		hlen = (size_t)(p - s) + 1;
		if (p + 1 < end) {
			if (p[1] != ':')
				return -1;
			colon = p + 1;
		}
	} else {
		colon = memchr(s, ':', len);
		hlen = colon != NULL ? (size_t)(colon - s) : len;
	}
	if (hlen == 0 || hlen >= MAX_HOST)
		return -1;
	memcpy(host, s, hlen);
	host[hlen] = '\0';
	for (p = host; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || *p == '/' || *p == '\\' ||
		    *p == '@' || *p == '?' || *p == '#')
			return -1;
	}
	lowercase(host);
	if (colon != NULL && colon + 1 < end) {
		n = 0;
		for (p = colon + 1; p < end; p++) {
			if (!isdigit((unsigned char)*p) || n > 65535)
				return -1;
			n = n * 10 + (*p - '0');
		}
		if (n > 65535)
			return -1;
		*port = (int)n;
	}
	return 0;
}

/* An absolute URL's origin: scheme://[userinfo@]host[:port][/...]. */
static int
parse_origin(const char *s, struct url_origin *out)
{
	const char *p = s, *auth, *auth_end, *at;
	size_t n;

	if (!isalpha((unsigned char)*p))
		return -1;
	while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
		p++;
	n = (size_t)(p - s);
	if (n >= sizeof out->scheme || strncmp(p, "://", 3) != 0)
		return -1;
	memcpy(out->scheme, s, n);
	out->scheme[n] = '\0';
	lowercase(out->scheme);
	auth = p + 3;
	auth_end = auth + strcspn(auth, "/?#");
	for (at = auth_end; at > auth && at[-1] != '@'; at--)
		;
	if (at > auth)
		auth = at;
	if (parse_authority(auth, (size_t)(auth_end - auth), out->host,
	    &out->port) != 0)
		return -1;
	if (out->port == 0)
		out->port = default_port(out->scheme);
	return 0;
}

/* "::1", "[::1]", "[::1]:80", "1.2.3.4", "1.2.3.4:80" -> canonical text. */
static bool
parse_ip(const char *s, size_t len, char out[INET6_ADDRSTRLEN])
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *colon;
	struct in6_addr a6;
	struct in_addr a4;

	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || len >= sizeof buf)
		return false;
	if (*s == '[') {
		const char *close = memchr(s, ']', len);
		if (close == NULL)
			return false;
		len = (size_t)(close - s - 1);
		s++;
	} else if ((colon = memchr(s, ':', len)) != NULL &&
	    memchr(colon + 1, ':', len - (size_t)(colon + 1 - s)) == NULL)
		len = (size_t)(colon - s);	/* v4:port */
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, &a4) == 1)
		return inet_ntop(AF_INET, &a4, out, INET6_ADDRSTRLEN) != NULL;
	if (inet_pton(AF_INET6, buf, &a6) == 1)
		return inet_ntop(AF_INET6, &a6, out, INET6_ADDRSTRLEN) != NULL;
	return false;
}

static bool
is_loopback(const char *ip)
{
	return strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
	    strncmp(ip, "::ffff:127.", 11) == 0;
}

static void
allow_host(const char *entry)
{
	struct url_origin o;
	char host[MAX_HOST];
	int port;

	if (strstr(entry, "://") != NULL) {
		if (parse_origin(entry, &o) != 0)
			return;
		memcpy(host, o.host, sizeof host);
	} else if (parse_authority(entry, strcspn(entry, "/"), host,
	    &port) != 0)
		return;
	config.allowed = xreallocarray(config.allowed, config.nallowed + 1,
	    sizeof *config.allowed);
	config.allowed[config.nallowed++] = xstrdup(host);
}

void
origin_init(const char *web_host)
{
	const char *list = getenv("CODEPIPER_ALLOWED_ORIGINS");
	char *copy, *item, *save = NULL, *s, *e;

	origin_shutdown();
	config.trust_proxy_headers = env_is_one("CODEPIPER_TRUST_PROXY_HEADERS");
	config.force_secure_cookies = env_is_one("CODEPIPER_FORCE_SECURE_COOKIES");
	if (web_host != NULL && strcmp(web_host, "0.0.0.0") != 0 &&
	    strcmp(web_host, "::") != 0) {
		config.web_host = xstrdup(web_host);
		lowercase(config.web_host);
	}
	if (list == NULL)
		return;
	copy = xstrdup(list);
	for (item = strtok_r(copy, ",", &save); item != NULL;
	    item = strtok_r(NULL, ",", &save)) {
		for (s = item; isspace((unsigned char)*s); s++)
			;
		for (e = s + strlen(s); e > s && isspace((unsigned char)e[-1]); e--)
			;
		*e = '\0';
		if (*s != '\0')
			allow_host(s);
	}
	free(copy);
}

void
origin_shutdown(void)
{
	size_t i;

	for (i = 0; i < config.nallowed; i++)
		free(config.allowed[i]);
	free(config.allowed);
	free(config.web_host);
	memset(&config, 0, sizeof config);
}

static bool
host_is_allowed(const char *host)
{
	size_t i;

	for (i = 0; i < config.nallowed; i++) {
		if (strcmp(config.allowed[i], host) == 0)
			return true;
	}
	return false;
}

static bool
host_is_local_name(const char *host)
{
	size_t n = strlen(host);

	return strcmp(host, "localhost") == 0 || strcmp(host, "127.0.0.1") == 0 ||
	    strcmp(host, "::1") == 0 || strcmp(host, "[::1]") == 0 ||
	    (n > 10 && strcmp(host + n - 10, ".localhost") == 0);
}

/* The peer nginx saw, if fcgi told us. */
static bool
peer_address(struct request *req, char out[INET6_ADDRSTRLEN])
{
	const char *v = request_header(req, "X-CodePiper-Client-Addr");

	return v != NULL && parse_ip(v, strlen(v), out);
}

static bool
trusting_proxy(struct request *req)
{
	char peer[INET6_ADDRSTRLEN];

	return config.trust_proxy_headers && req->listener == LISTENER_WEB &&
	    peer_address(req, peer) && is_loopback(peer);
}

char *
origin_client_address(struct request *req)
{
	char ip[INET6_ADDRSTRLEN];
	const char *v;

	if (req->listener == LISTENER_CLI)
		return xstrdup("unix");
	if (trusting_proxy(req)) {
		if ((v = request_header(req, "X-Forwarded-For")) != NULL &&
		    parse_ip(v, strcspn(v, ","), ip))
			return xstrdup(ip);
		if ((v = request_header(req, "X-Real-IP")) != NULL &&
		    parse_ip(v, strcspn(v, ","), ip))
			return xstrdup(ip);
	}
	if (peer_address(req, ip))
		return xstrdup(ip);
	return xstrdup("unknown");
}

/* proto=... of the first element of a Forwarded header, or NULL. */
static const char *
forwarded_proto(const char *v)
{
	size_t end = strcspn(v, ","), n;
	const char *p = v;

	while (p < v + end) {
		while (*p == ' ' || *p == ';' || *p == '\t')
			p++;
		n = strcspn(p, ";,");
		if (n > 6 && strncasecmp(p, "proto=", 6) == 0) {
			const char *val = p + 6;
			if (*val == '"')
				val++;
			if (strncasecmp(val, "https", 5) == 0)
				return "https";
			if (strncasecmp(val, "http", 4) == 0)
				return "http";
			return NULL;
		}
		p += n;
	}
	return NULL;
}

/* "https" or "http": the scheme the browser used. */
static const char *
request_scheme(struct request *req)
{
	const char *v, *proto;
	size_t n;

	if (req->listener != LISTENER_WEB)
		return "http";
	if (trusting_proxy(req)) {
		if ((v = request_header(req, "X-Forwarded-Proto")) != NULL) {
			while (*v == ' ')
				v++;
			n = strcspn(v, ", ");
			if (n == 5 && strncasecmp(v, "https", 5) == 0)
				return "https";
			if (n == 4 && strncasecmp(v, "http", 4) == 0)
				return "http";
		}
		if ((v = request_header(req, "Forwarded")) != NULL &&
		    (proto = forwarded_proto(v)) != NULL)
			return proto;
	}
	v = request_header(req, "X-CodePiper-Scheme");
	return v != NULL && strcmp(v, "https") == 0 ? "https" : "http";
}

bool
origin_request_is_secure(struct request *req)
{
	return config.force_secure_cookies ||
	    strcmp(request_scheme(req), "https") == 0;
}

int
origin_check_csrf(struct request *req, const char **error)
{
	struct url_origin source, self;
	const char *v, *host;

	if (strcmp(req->method, "POST") != 0 && strcmp(req->method, "PUT") != 0 &&
	    strcmp(req->method, "PATCH") != 0 &&
	    strcmp(req->method, "DELETE") != 0)
		return 0;
	if ((v = request_header(req, "Origin")) == NULL &&
	    (v = request_header(req, "Referer")) == NULL)
		return 0;	/* not a browser */
	if (parse_origin(v, &source) != 0) {
		*error = "Invalid Origin/Referer header";
		return -1;
	}
	if ((host = request_header(req, "Host")) != NULL) {
		snprintf(self.scheme, sizeof self.scheme, "%s",
		    request_scheme(req));
		if (parse_authority(host, strlen(host), self.host,
		    &self.port) == 0) {
			if (self.port == 0)
				self.port = default_port(self.scheme);
			if (strcmp(source.scheme, self.scheme) == 0 &&
			    strcmp(source.host, self.host) == 0 &&
			    source.port == self.port)
				return 0;
		}
	}
	if (host_is_allowed(source.host))
		return 0;
	*error = "Cross-site request blocked";
	return -1;
}

int
origin_check_host(struct request *req)
{
	const char *v = request_header(req, "Host");
	char host[MAX_HOST], ip[INET6_ADDRSTRLEN];
	int port;

	if (v == NULL)
		return 0;
	if (parse_authority(v, strlen(v), host, &port) != 0)
		return -1;
	/* Rebinding needs a DNS name: an address literal is never one. */
	if (parse_ip(host, strlen(host), ip))
		return 0;
	if (host_is_local_name(host) || host_is_allowed(host) ||
	    (config.web_host != NULL && strcmp(config.web_host, host) == 0))
		return 0;
	return -1;
}

int
origin_check_websocket(const char *origin, const char **error)
{
	struct url_origin o;

	if (origin == NULL)
		return 0;
	if (parse_origin(origin, &o) != 0) {
		*error = "Invalid Origin header";
		return -1;
	}
	if (host_is_local_name(o.host) || host_is_allowed(o.host))
		return 0;
	*error = "Origin not allowed";
	return -1;
}
