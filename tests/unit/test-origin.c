/*
 * Unit tests for origin: the CSRF check, the Host (DNS rebinding) check, the
 * WebSocket origin rule, the client address and the Secure decision, with
 * and without CODEPIPER_TRUST_PROXY_HEADERS.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/http.h>

#include "daemon.h"
#include "httpd.h"
#include "origin.h"

/* origin.c needs httpd.c, which brings the route table and main()'s globals. */
struct daemon_config daemon_config;
struct event_base *daemon_base;
void
daemon_request_stop(bool restart)
{
	(void)restart;
}

/* A request carrying headers given as "Name", "value", ..., NULL. */
static struct request *
request_new(const char *method, enum listener_kind listener, ...)
{
	struct request *req = calloc(1, sizeof *req);
	struct evkeyvalq *headers;
	const char *name, *value;
	va_list ap;

	req->ev = evhttp_request_new(NULL, NULL);
	req->method = method;
	req->listener = listener;
	headers = evhttp_request_get_input_headers(req->ev);
	va_start(ap, listener);
	while ((name = va_arg(ap, const char *)) != NULL) {
		value = va_arg(ap, const char *);
		evhttp_add_header(headers, name, value);
	}
	va_end(ap);
	return req;
}

static void
request_done(struct request *req)
{
	evhttp_request_free(req->ev);
	free(req);
}

static int
setup(void **state)
{
	unsetenv("CODEPIPER_TRUST_PROXY_HEADERS");
	unsetenv("CODEPIPER_FORCE_SECURE_COOKIES");
	setenv("CODEPIPER_ALLOWED_ORIGINS",
	    " https://codepiper.example.com:8443/x , other.example ,,", 1);
	origin_init("127.0.0.1");
	return 0;
}

static int
teardown(void **state)
{
	origin_shutdown();
	unsetenv("CODEPIPER_ALLOWED_ORIGINS");
	unsetenv("CODEPIPER_TRUST_PROXY_HEADERS");
	return 0;
}

static const char *
csrf(const char *method, const char *host, const char *origin_name,
    const char *origin)
{
	struct request *req;
	const char *error = NULL;
	int rc;

	req = request_new(method, LISTENER_WEB, "Host", host,
	    "X-CodePiper-Scheme", "http", origin_name, origin, NULL);
	rc = origin_check_csrf(req, &error);
	request_done(req);
	return rc == 0 ? "ok" : error;
}

static void
test_csrf(void **state)
{
	assert_string_equal(csrf("POST", "127.0.0.1:3000", "Origin",
	    "http://127.0.0.1:3000"), "ok");
	assert_string_equal(csrf("POST", "127.0.0.1:3000", "Origin",
	    "http://localhost:3000"), "Cross-site request blocked");
	assert_string_equal(csrf("POST", "127.0.0.1:3000", "Origin",
	    "https://127.0.0.1:3000"), "Cross-site request blocked");
	assert_string_equal(csrf("POST", "127.0.0.1", "Origin",
	    "http://127.0.0.1:80"), "ok");
	assert_string_equal(csrf("DELETE", "127.0.0.1:3000", "Referer",
	    "http://127.0.0.1:3000/sessions?x=1"), "ok");
	assert_string_equal(csrf("PUT", "127.0.0.1:3000", "Origin", "null"),
	    "Invalid Origin/Referer header");
	assert_string_equal(csrf("PATCH", "127.0.0.1:3000", "Origin",
	    "https://evil.example"), "Cross-site request blocked");
	/* Allowed host names: scheme and port do not matter. */
	assert_string_equal(csrf("POST", "127.0.0.1:3000", "Origin",
	    "https://codepiper.example.com"), "ok");
	assert_string_equal(csrf("POST", "127.0.0.1:3000", "Origin",
	    "http://OTHER.example:1"), "ok");
	assert_string_equal(csrf("POST", "127.0.0.1:3000", "Origin",
	    "https://sub.other.example"), "Cross-site request blocked");
	/* Userinfo does not fool the parser. */
	assert_string_equal(csrf("POST", "127.0.0.1:3000", "Origin",
	    "http://127.0.0.1:3000@evil.example"), "Cross-site request blocked");
	/* GET is never checked. */
	assert_string_equal(csrf("GET", "127.0.0.1:3000", "Origin",
	    "https://evil.example"), "ok");
}

static int
host_ok(const char *host)
{
	struct request *req = request_new("GET", LISTENER_WEB, "Host", host,
	    NULL);
	int rc = origin_check_host(req);

	request_done(req);
	return rc == 0;
}

static void
test_host(void **state)
{
	assert_true(host_ok("127.0.0.1:3000"));
	assert_true(host_ok("localhost:3000"));
	assert_true(host_ok("app.localhost"));
	assert_true(host_ok("[::1]:3000"));
	assert_true(host_ok("192.168.1.20:3000"));	/* a literal: no DNS */
	assert_true(host_ok("codepiper.example.com"));
	assert_false(host_ok("rebind.evil.example:3000"));
	assert_false(host_ok("localhost.evil.example"));
	assert_false(host_ok("a b"));
}

static void
test_websocket_origin(void **state)
{
	const char *error = NULL;

	assert_int_equal(origin_check_websocket(NULL, &error), 0);
	assert_int_equal(origin_check_websocket("http://localhost:5173",
	    &error), 0);
	assert_int_equal(origin_check_websocket("https://127.0.0.1", &error), 0);
	assert_int_equal(origin_check_websocket("https://codepiper.example.com",
	    &error), 0);
	assert_int_equal(origin_check_websocket("https://evil.example",
	    &error), -1);
	assert_string_equal(error, "Origin not allowed");
	assert_int_equal(origin_check_websocket("null", &error), -1);
	assert_string_equal(error, "Invalid Origin header");
}

static char *
client(const char *peer, const char *xff)
{
	struct request *req;
	char *addr;

	if (xff != NULL)
		req = request_new("GET", LISTENER_WEB, "X-CodePiper-Client-Addr",
		    peer, "X-Forwarded-For", xff, NULL);
	else
		req = request_new("GET", LISTENER_WEB, "X-CodePiper-Client-Addr",
		    peer, NULL);
	addr = origin_client_address(req);
	request_done(req);
	return addr;
}

static void
expect_client(const char *peer, const char *xff, const char *want)
{
	char *got = client(peer, xff);

	assert_string_equal(got, want);
	free(got);
}

static void
test_client_address(void **state)
{
	struct request *req;
	char *addr;

	expect_client("127.0.0.1", "203.0.113.9", "127.0.0.1");
	expect_client("garbage", NULL, "unknown");
	req = request_new("GET", LISTENER_CLI, NULL);
	addr = origin_client_address(req);
	assert_string_equal(addr, "unix");
	free(addr);
	request_done(req);

	setenv("CODEPIPER_TRUST_PROXY_HEADERS", "1", 1);
	origin_init("127.0.0.1");
	expect_client("127.0.0.1", "203.0.113.9, 10.0.0.1", "203.0.113.9");
	expect_client("127.0.0.1", "203.0.113.9:4711", "203.0.113.9");
	expect_client("::1", "[2001:db8::1]:443", "2001:db8::1");
	expect_client("127.0.0.1", "not-an-ip", "127.0.0.1");
	/* Only a local proxy is believed. */
	expect_client("198.51.100.4", "203.0.113.9", "198.51.100.4");
}

static int
secure(const char *scheme, const char *xfp, const char *peer)
{
	struct request *req = request_new("GET", LISTENER_WEB,
	    "X-CodePiper-Scheme", scheme, "X-Forwarded-Proto", xfp,
	    "X-CodePiper-Client-Addr", peer, NULL);
	int rc = origin_request_is_secure(req);

	request_done(req);
	return rc;
}

static void
test_secure(void **state)
{
	assert_false(secure("http", "https", "127.0.0.1"));
	assert_true(secure("https", "http", "127.0.0.1"));
	setenv("CODEPIPER_TRUST_PROXY_HEADERS", "1", 1);
	origin_init("127.0.0.1");
	assert_true(secure("http", "https", "127.0.0.1"));
	assert_false(secure("http", "https", "198.51.100.4"));
	setenv("CODEPIPER_FORCE_SECURE_COOKIES", "1", 1);
	origin_init("127.0.0.1");
	assert_true(secure("http", "http", "127.0.0.1"));
	unsetenv("CODEPIPER_FORCE_SECURE_COOKIES");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_csrf, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host, setup, teardown),
		cmocka_unit_test_setup_teardown(test_websocket_origin, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_client_address, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secure, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
