/* Private to daemon/ingest/http*.c: the answer helpers of http.c and the
 * handlers that live in their own files. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

struct evhttp_request;
struct json_object;
struct spoord;

void http_reply(struct evhttp_request *req, int code, const char *reason, const char *ctype, const char *body,
                size_t len);
/* Send o (taken; NULL: 500) as the JSON answer, one line. */
void http_reply_json(struct evhttp_request *req, int code, const char *reason, struct json_object *o);
/* {"result": result, "error": error (when not NULL)}; NULL on ENOMEM. */
struct json_object *http_result(const char *result, const char *error);

/* POST /v1/events (http_events.c) */
void http_events(struct spoord *d, struct evhttp_request *req);
