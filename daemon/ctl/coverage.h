/* spoorctl coverage's parts (daemon/ctl/coverage.c reads coverage.json
 * and joins the open gaps' records; coverage_print.c prints). */
#pragma once
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;

struct coverage_cmd {
        const char *dir;
        int dirfd;
        const char *host;               /* --host GLOB, or NULL */
        bool json;
        int64_t now_us;
        struct json_object *cov;        /* coverage.json */
        struct json_object *gaps;       /* open gap id → its open record from gaps.jsonl (or NULL) */
        size_t unresolved;
};

/* --host: whether host is one of those asked for. */
bool coverage_host_wanted(const struct coverage_cmd *c, const char *host);

/* The open record of gap id from gaps.jsonl, or NULL (borrowed). */
struct json_object *coverage_gap_record(const struct coverage_cmd *c, const char *id);

/* The text view / --json.  0 or -ENOMEM. */
int coverage_print(struct coverage_cmd *c);
int coverage_print_json(struct coverage_cmd *c);
