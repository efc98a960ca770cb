/* daemon/config.c: schema, defaults, errors, reference, summary. */
#include <check.h>
#include "unit.h"
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "spoor/cleanup.h"
#include "spoor/config.h"
#include "spoor/yaml.h"

static char tmpdir[] = "/tmp/spoor-config-XXXXXX";

/* Write `text` to a fresh file in tmpdir; returns its path (static). */
static const char *write_conf(const char *text)
{
        static char path[128];
        static unsigned n;
        FILE *f;

        snprintf(path, sizeof(path), "%s/c%u.yml", tmpdir, n++);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        fputs(text, f);
        ck_assert_int_eq(fclose(f), 0);
        return path;
}

static struct config *load_ok(const char *text)
{
        struct config *c = NULL;
        struct config_error err = { "" };
        const char *path = write_conf(text);

        ck_assert_msg(config_load(path, &c, &err) == 0, "%s", err.msg);
        ck_assert_ptr_nonnull(c);
        ck_assert_str_eq(c->path, path);
        return c;
}

static const char *default_spool(void)
{
        return geteuid() == 0 ? "/var/spool/spoor" : "./spool";
}

static const char *default_state(void)
{
        return geteuid() == 0 ? "/var/lib/spoor" : "./state";
}

/* ---- defaults ------------------------------------------------------- */

static void assert_defaults_except_listen_dirs(const struct config *c)
{
        ck_assert(c->http_enabled);
        ck_assert_str_eq(c->http_address, "127.0.0.1:8514");
        ck_assert_str_eq(c->log_level, "info");
        ck_assert_uint_eq(c->nrules, 0);
        ck_assert_uint_eq(c->limits.max_frame_bytes, 256 * 1024);
        ck_assert_uint_eq(c->limits.max_connections, 1024);
        ck_assert_uint_eq(c->limits.max_connections_per_peer, 64);
        ck_assert_uint_eq(c->limits.idle_timeout_s, 900);
        ck_assert_uint_eq(c->limits.max_json_depth, 16);
        ck_assert_int_eq(c->spool_fsync_ms, 1000);
        ck_assert_uint_eq(c->spool_rotate_bytes, 0);
        ck_assert_ptr_nonnull(c->placeholders);
        ck_assert(json_object_is_type(c->placeholders, json_type_object));
        ck_assert_int_eq(json_object_object_length(c->placeholders), 0);
}

static void assert_default_listen(const struct config *c)
{
        ck_assert_uint_eq(c->nlisten, 1);
        ck_assert_str_eq(c->listen[0].address, "127.0.0.1:1514");
        ck_assert_int_eq(c->listen[0].framing, FRAMING_AUTO);
        ck_assert_str_eq(c->listen[0].timezone, "UTC");
}

START_TEST(test_default)
{
        struct config *c = config_default();

        ck_assert_ptr_nonnull(c);
        ck_assert_ptr_null(c->path);
        assert_default_listen(c);
        assert_defaults_except_listen_dirs(c);
        ck_assert_str_eq(c->spool_dir, default_spool());
        ck_assert_str_eq(c->state_dir, default_state());
        config_free(c);
        config_free(NULL);
}
END_TEST

START_TEST(test_empty_map_is_default)
{
        struct config *c = load_ok("{}\n");

        assert_default_listen(c);
        assert_defaults_except_listen_dirs(c);
        ck_assert_str_eq(c->spool_dir, default_spool());
        config_free(c);
}
END_TEST

START_TEST(test_null_keeps_default)
{
        struct config *c = load_ok("# every child commented out\nlimits:\nhttp:\nlog_level:\nlisten:\nrules:\n");

        assert_default_listen(c);
        assert_defaults_except_listen_dirs(c);
        config_free(c);
}
END_TEST

START_TEST(test_full_file)
{
        struct config *c = load_ok(
                "listen:\n"
                "  - address: 0.0.0.0:1514\n"
                "    framing: lf\n"
                "    timezone: +02:00\n"
                "  - address: \"[::1]:6514\"\n"
                "    framing: octet\n"
                "  - address: localhost:0\n"
                "http:\n"
                "  enabled: false\n"
                "  address: '[::]:8080'\n"
                "spool:\n"
                "  dir: /srv/spool\n"
                "state_dir: /srv/state\n"
                "rules:\n"
                "  - /etc/spoor/leads.d\n"
                "  - 'C:\\rules\\'\n"
                "log_level: debug\n"
                "limits:\n"
                "  max_frame_bytes: 1MiB\n"
                "  max_connections: 10\n"
                "  max_connections_per_peer: 2\n"
                "  idle_timeout: 1h30m\n"
                "  max_json_depth: 64\n");

        ck_assert_uint_eq(c->nlisten, 3);
        ck_assert_str_eq(c->listen[0].address, "0.0.0.0:1514");
        ck_assert_int_eq(c->listen[0].framing, FRAMING_LF);
        ck_assert_str_eq(c->listen[0].timezone, "+02:00");
        ck_assert_int_eq(c->listen[0].zone.offset_s, 7200);
        ck_assert_str_eq(c->listen[1].address, "[::1]:6514");
        ck_assert_int_eq(c->listen[1].framing, FRAMING_OCTET);
        ck_assert_str_eq(c->listen[1].timezone, "UTC");
        ck_assert_str_eq(c->listen[2].address, "localhost:0");
        ck_assert_int_eq(c->listen[2].framing, FRAMING_AUTO);
        ck_assert(!c->http_enabled);
        ck_assert_str_eq(c->http_address, "[::]:8080");
        ck_assert_str_eq(c->spool_dir, "/srv/spool");
        ck_assert_str_eq(c->state_dir, "/srv/state");
        ck_assert_uint_eq(c->nrules, 2);
        ck_assert_str_eq(c->rules[0], "/etc/spoor/leads.d");
        ck_assert_str_eq(c->rules[1], "C:\\rules\\");
        ck_assert_str_eq(c->log_level, "debug");
        ck_assert_uint_eq(c->limits.max_frame_bytes, 1024 * 1024);
        ck_assert_uint_eq(c->limits.max_connections, 10);
        ck_assert_uint_eq(c->limits.max_connections_per_peer, 2);
        ck_assert_uint_eq(c->limits.idle_timeout_s, 5400);
        ck_assert_uint_eq(c->limits.max_json_depth, 64);
        config_free(c);
}
END_TEST

START_TEST(test_spool_keys)
{
        struct config *c = load_ok("spool:\n  fsync: always\n  rotate_bytes: 64MiB\n");

        ck_assert_int_eq(c->spool_fsync_ms, 0);
        ck_assert_uint_eq(c->spool_rotate_bytes, 64ull << 20);
        ck_assert_str_eq(c->spool_dir, default_spool());
        config_free(c);
}
END_TEST

static const struct {
        const char *yaml;
        int64_t ms;
} fsync_cases[] = {
        { "always", 0 }, { "never", -1 }, { "1s", 1000 }, { "30", 30000 }, { "'5'", 5000 },
        { "5m", 300000 }, { "1h", 3600000 },
};

START_TEST(test_fsync_values)
{
        char text[128];
        struct config *c;

        snprintf(text, sizeof(text), "spool:\n  fsync: %s\n", fsync_cases[_i].yaml);
        c = load_ok(text);
        ck_assert_int_eq(c->spool_fsync_ms, fsync_cases[_i].ms);
        config_free(c);
}
END_TEST

/* A fresh copy: numbers become text, aliases are copied, no YAML marks. */
START_TEST(test_placeholders)
{
        struct config *c = load_ok("placeholders:\n"
                                   "  domain_controllers: &dcs [dc01, 'dc02.corp.example']\n"
                                   "  dc.alias-2: *dcs\n"
                                   "  ports: [445, 2.5, '0139']\n"
                                   "  none: []\n");
        struct json_object *v, *w;

        ck_assert_int_eq(json_object_object_length(c->placeholders), 4);
        ck_assert(json_object_object_get_ex(c->placeholders, "domain_controllers", &v));
        ck_assert(json_object_object_get_ex(c->placeholders, "dc.alias-2", &w));
        ck_assert_ptr_ne(v, w);
        ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), "[\"dc01\",\"dc02.corp.example\"]");
        ck_assert_str_eq(json_object_to_json_string_ext(w, JSON_C_TO_STRING_PLAIN), "[\"dc01\",\"dc02.corp.example\"]");
        ck_assert(json_object_object_get_ex(c->placeholders, "ports", &v));
        ck_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), "[\"445\",\"2.5\",\"0139\"]");
        ck_assert(json_object_is_type(json_object_array_get_idx(v, 0), json_type_string));
        ck_assert(json_object_object_get_ex(c->placeholders, "none", &v));
        ck_assert_uint_eq(json_object_array_length(v), 0);
        ck_assert_int_eq(yaml_node_mark(c->placeholders, &(unsigned){ 0 }, &(unsigned){ 0 }), -ENOENT);
        ck_assert_int_eq(yaml_node_mark(v, &(unsigned){ 0 }, &(unsigned){ 0 }), -ENOENT);
        config_free(c);

        /* null keeps the default; {} empties */
        c = load_ok("placeholders:\n");
        ck_assert_int_eq(json_object_object_length(c->placeholders), 0);
        config_free(c);
}
END_TEST

START_TEST(test_partial_file_keeps_defaults)
{
        struct config *c = load_ok("limits:\n  max_connections: 5\nlisten:\n  - address: 10.0.0.1:514\n");

        ck_assert_uint_eq(c->limits.max_connections, 5);
        ck_assert_uint_eq(c->limits.max_frame_bytes, 256 * 1024);
        ck_assert_uint_eq(c->limits.idle_timeout_s, 900);
        /* listen replaces the default list */
        ck_assert_uint_eq(c->nlisten, 1);
        ck_assert_str_eq(c->listen[0].address, "10.0.0.1:514");
        ck_assert_str_eq(c->listen[0].timezone, "UTC");
        ck_assert_str_eq(c->http_address, "127.0.0.1:8514");
        config_free(c);
}
END_TEST

START_TEST(test_empty_listen_list)
{
        struct config *c = load_ok("listen: []\n");

        ck_assert_uint_eq(c->nlisten, 0);
        config_free(c);
}
END_TEST

/* Sizes and durations in every accepted spelling. */
static const struct {
        const char *yaml;
        uint64_t frame, idle;
} unit_cases[] = {
        { "max_frame_bytes: 262144\n  idle_timeout: 900", 262144, 900 },
        { "max_frame_bytes: '4096'\n  idle_timeout: '60'", 4096, 60 },
        { "max_frame_bytes: 1KiB\n  idle_timeout: 1s", 1024, 1 },
        { "max_frame_bytes: 2KB\n  idle_timeout: 30s", 2000, 30 },
        { "max_frame_bytes: 16MiB\n  idle_timeout: 7d", 16 * 1024 * 1024, 7 * 86400 },
        { "max_frame_bytes: 2 MB\n  idle_timeout: 1w", 2000000, 7 * 86400 },
        { "max_frame_bytes: 0x10000\n  idle_timeout: 2h", 65536, 7200 },
        { "max_frame_bytes: 1024B\n  idle_timeout: 1h1m1s", 1024, 3661 },
};

START_TEST(test_units)
{
        char text[256];
        struct config *c;

        snprintf(text, sizeof(text), "limits:\n  %s\n", unit_cases[_i].yaml);
        c = load_ok(text);
        ck_assert_uint_eq(c->limits.max_frame_bytes, unit_cases[_i].frame);
        ck_assert_uint_eq(c->limits.idle_timeout_s, unit_cases[_i].idle);
        config_free(c);
}
END_TEST

/* ---- errors: exact file:line:column: key: problem ------------------- */

static const struct {
        const char *yaml;
        const char *msg;        /* after "<path>" */
} error_cases[] = {
        /* unknown keys, with a suggestion when one is close */
        { "listne:\n  - address: 1.2.3.4:1\n", ":1:1: listne: unknown key (did you mean 'listen'?)" },
        { "limits:\n  max_frame_byte: 1MiB\n",
          ":2:3: limits.max_frame_byte: unknown key (did you mean 'limits.max_frame_bytes'?)" },
        { "max_connections: 5\n", ":1:1: max_connections: unknown key (did you mean 'limits.max_connections'?)" },
        { "listen:\n  - address: 1.2.3.4:1\n    framin: lf\n",
          ":3:5: listen[0].framin: unknown key (did you mean 'listen[].framing'?)" },
        { "zzzzzzzz: 1\n", ":1:1: zzzzzzzz: unknown key" },
        { "http:\n  tls: {}\n", ":2:3: http.tls: unknown key (did you mean 'listen[].tls'?)" },
        /* wrong types */
        { "http:\n  enabled: yes\n", ":2:12: http.enabled: expected true or false, got a string" },
        { "limits:\n  max_connections: '5'\n", ":2:20: limits.max_connections: expected a whole number, got a string" },
        { "limits:\n  max_connections: 1.5\n", ":2:20: limits.max_connections: expected a whole number, got a number" },
        { "state_dir: 2024\n", ":1:12: state_dir: expected a string, got an integer" },
        { "state_dir: ''\n", ":1:12: state_dir: must not be empty" },
        { "spool: /var/spool\n", ":1:8: spool: expected a mapping, got a string" },
        { "limits: 5\n", ":1:9: limits: expected a mapping, got an integer" },
        { "rules: /etc/x\n", ":1:8: rules: expected a list of strings, got a string" },
        { "rules:\n  - /a\n  - 5\n", ":3:5: rules: entry 2: expected a non-empty string, got an integer" },
        { "listen: 127.0.0.1:1514\n", ":1:9: listen: expected a list of mappings, got a string" },
        { "listen:\n  - 127.0.0.1:1514\n", ":2:5: listen[0]: expected a mapping, got a string" },
        { "listen:\n  - address: [1]\n", ":2:14: listen[0].address: expected an address (host:port), got a list" },
        /* bounds */
        { "limits:\n  max_frame_bytes: 512\n", ":2:20: limits.max_frame_bytes: 512 is out of range (1KiB..16MiB)" },
        { "limits:\n  max_frame_bytes: 32MiB\n", ":2:20: limits.max_frame_bytes: 32MiB is out of range (1KiB..16MiB)" },
        { "limits:\n  max_frame_bytes: 99999999999999999999\n",
          ":2:20: limits.max_frame_bytes: '99999999999999999999' is too large" },
        { "limits:\n  max_frame_bytes: 10 parsecs\n",
          ":2:20: limits.max_frame_bytes: '10 parsecs' is not a size (bytes, or a number with KiB, MiB, GiB, KB, MB, GB)" },
        { "limits:\n  max_frame_bytes: -1\n", ":2:20: limits.max_frame_bytes: must not be negative" },
        { "limits:\n  idle_timeout: 8d\n", ":2:17: limits.idle_timeout: 8d is out of range (1s..7d)" },
        { "limits:\n  idle_timeout: 0\n", ":2:17: limits.idle_timeout: 0s is out of range (1s..7d)" },
        { "limits:\n  idle_timeout: 15 minutes\n",
          ":2:17: limits.idle_timeout: '15 minutes' is not a duration (seconds, or like 30s, 15m, 1h30m, 7d)" },
        { "limits:\n  idle_timeout: 1h30\n",
          ":2:17: limits.idle_timeout: '1h30' is not a duration (seconds, or like 30s, 15m, 1h30m, 7d)" },
        { "limits:\n  idle_timeout: 1.5h\n",
          ":2:17: limits.idle_timeout: '1.5h' is not a duration (seconds, or like 30s, 15m, 1h30m, 7d)" },
        { "limits:\n  max_connections: -1\n", ":2:20: limits.max_connections: -1 is out of range (1..65536)" },
        { "limits:\n  max_connections: 0\n", ":2:20: limits.max_connections: 0 is out of range (1..65536)" },
        { "limits:\n  max_connections_per_peer: 65537\n",
          ":2:29: limits.max_connections_per_peer: 65537 is out of range (1..65536)" },
        { "limits:\n  max_json_depth: 3\n", ":2:19: limits.max_json_depth: 3 is out of range (4..64)" },
        /* spool */
        { "spool:\n  fsync: 0\n", ":2:10: spool.fsync: 0s is out of range (1s..1h)" },
        { "spool:\n  fsync: 2h\n", ":2:10: spool.fsync: 2h is out of range (1s..1h)" },
        { "spool:\n  fsync: sometimes\n",
          ":2:10: spool.fsync: 'sometimes' is not always, never or a duration (seconds, or like 1s, 30s, 5m)" },
        { "spool:\n  fsync: true\n",
          ":2:10: spool.fsync: expected always, never or a duration (seconds, or like 1s, 30s, 5m), got a boolean" },
        { "spool:\n  rotate_bytes: 1KiB\n", ":2:17: spool.rotate_bytes: 1KiB is out of range (0 or 1MiB..1TiB)" },
        { "spool:\n  rotate_bytes: 2TiB\n", ":2:17: spool.rotate_bytes: 2TiB is out of range (0 or 1MiB..1TiB)" },
        /* placeholders */
        { "placeholders: [a]\n",
          ":1:15: placeholders: expected a mapping of names to lists of strings, got a list" },
        { "placeholders:\n  ok: [a]\n  bad name: [a]\n",
          ":3:3: placeholders.bad name: bad placeholder name: use letters, digits, '_', '.' and '-'" },
        { "placeholders:\n  '%dcs%': [a]\n",
          ":2:3: placeholders.%dcs%: bad placeholder name: use letters, digits, '_', '.' and '-'" },
        { "placeholders:\n  dcs: dc01\n", ":2:8: placeholders.dcs: expected a list of strings, got a string" },
        { "placeholders:\n  dcs: [a, true]\n", ":2:12: placeholders.dcs: entry 2: expected a string, got a boolean" },
        { "placeholders:\n  dcs:\n    - a\n    - [b]\n",
          ":4:7: placeholders.dcs: entry 2: expected a string, got a list" },
        { "placeholders:\n  dcs: [a, null]\n", ":2:8: placeholders.dcs: entry 2: expected a string, got null" },
        /* enums */
        { "log_level: verbose\n",
          ":1:12: log_level: 'verbose' is not one of: debug, info, notice, warning, error" },
        { "listen:\n  - address: 1.2.3.4:1\n    framing: tcp\n",
          ":3:14: listen[0].framing: 'tcp' is not one of: auto, lf, octet" },
        /* addresses */
        { "http:\n  address: ::1:8514\n",
          ":2:12: http.address: bad address '::1:8514': expected host:port or [IPv6]:port, port 0-65535" },
        { "listen:\n  - address: 1.2.3.4:65536\n",
          ":2:14: listen[0].address: bad address '1.2.3.4:65536': expected host:port or [IPv6]:port, port 0-65535" },
        { "listen:\n  - address: 1.2.3.4:1\n  - address: 1.2.3.4\n",
          ":3:14: listen[1].address: bad address '1.2.3.4': expected host:port or [IPv6]:port, port 0-65535" },
        /* required */
        { "listen:\n  - framing: lf\n", ":2:5: listen[0].address: required key missing" },
        { "listen:\n  - address:\n", ":2:5: listen[0].address: required key missing" },
        /* time zone */
        { "listen:\n  - address: 1.2.3.4:1\n    timezone: Mars/Olympus_Mons\n",
          ":3:15: listen[0].timezone: unknown time zone 'Mars/Olympus_Mons' (UTC, +02:00, or a name under /usr/share/zoneinfo)" },
        /* change windows */
        { "change_windows: {days: [mon]}\n",
          ":1:17: change_windows: expected a list of change windows ({days, hours, timezone}), got a mapping" },
        { "change_windows:\n  - days: [mon, funday]\n",
          ":2:17: change_windows[0].days: entry 2: 'funday' is not a day (mon, tue, wed, thu, fri, sat, sun, "
          "or a range like mon-fri)" },
        { "change_windows:\n  - days: [mon-xyz]\n",
          ":2:12: change_windows[0].days: entry 1: 'mon-xyz' is not a day (mon, tue, wed, thu, fri, sat, sun, "
          "or a range like mon-fri)" },
        { "change_windows:\n  - days: mon\n",
          ":2:11: change_windows[0].days: expected a list of days (mon, tue, ... sun), got a string" },
        { "change_windows:\n  - days: []\n", ":2:11: change_windows[0].days: no days: leave days out for every day" },
        { "change_windows:\n  - {hours: \"08:00-18:00\"}\n  - hours: 8-18\n",
          ":3:12: change_windows[1].hours: '8-18' is not hours like \"08:00-18:00\" (start 00:00..23:59, "
          "end 00:01..24:00; 22:00-02:00 crosses midnight)" },
        { "change_windows:\n  - hours: \"24:00-02:00\"\n",
          ":2:12: change_windows[0].hours: '24:00-02:00' is not hours like \"08:00-18:00\" (start 00:00..23:59, "
          "end 00:01..24:00; 22:00-02:00 crosses midnight)" },
        { "change_windows:\n  - hours: \"08:60-09:00\"\n",
          ":2:12: change_windows[0].hours: '08:60-09:00' is not hours like \"08:00-18:00\" (start 00:00..23:59, "
          "end 00:01..24:00; 22:00-02:00 crosses midnight)" },
        { "change_windows:\n  - hours: \"08:00-08:00\"\n",
          ":2:12: change_windows[0].hours: '08:00-08:00' is empty: start equals end (00:00-24:00 is the whole day)" },
        { "change_windows:\n  - hours: 0800\n",
          ":2:12: change_windows[0].hours: expected hours like \"08:00-18:00\", got an integer" },
        { "change_windows:\n  - days: [sat]\n    timezone: Mars/Olympus_Mons\n",
          ":3:15: change_windows[0].timezone: unknown time zone 'Mars/Olympus_Mons' (UTC, +02:00, or a name under "
          "/usr/share/zoneinfo)" },
        { "change_windows:\n  - days: [sat]\n    hour: \"08:00-09:00\"\n",
          ":3:5: change_windows[0].hour: unknown key (days, hours, timezone)" },
        { "change_windows:\n  - [mon]\n",
          ":2:5: change_windows[0]: expected a mapping {days, hours, timezone}, got a list" },
        /* whole file */
        { "", ":1:1: empty config (write {} to run with every default)" },
        { "# nothing but comments\n\n", ":1:1: empty config (write {} to run with every default)" },
        { "---\n", ":1:1: empty config (write {} to run with every default)" },
        { "- a\n- b\n", ":1:1: the top level must be a mapping of settings, not a list" },
        { "just a string\n", ":1:1: the top level must be a mapping of settings, not a string" },
        { "log_level: info\n---\nlog_level: debug\n", ":3:1: several YAML documents; the config is one document" },
        /* YAML errors, passed through */
        { "log_level: info\nlog_level: debug\n", ":2:1: duplicate mapping key 'log_level' (first at line 1)" },
        { "http: [\n", ":2:1: did not find expected node content (while parsing a flow node at line 2, column 1)" },
        { "http:\n\taddress: x\n", ":2:1: found character that cannot start any token (while scanning for the next token at line 2, column 1)" },
};

START_TEST(test_errors)
{
        struct config *c = NULL;
        struct config_error err = { "" };
        const char *path = write_conf(error_cases[_i].yaml);
        char want[1024];

        snprintf(want, sizeof(want), "%s%s", path, error_cases[_i].msg);
        ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
        ck_assert_ptr_null(c);
        ck_assert_str_eq(err.msg, want);
}
END_TEST

START_TEST(test_too_many_listeners)
{
        char *text = malloc(8192), want[256];
        struct config *c = NULL;
        struct config_error err;
        const char *path;
        size_t n = 0;

        ck_assert_ptr_nonnull(text);
        n += (size_t)sprintf(text + n, "listen:\n");
        for (int i = 0; i <= CONFIG_MAX_LISTEN; i++)
                n += (size_t)sprintf(text + n, "  - address: 127.0.0.1:%d\n", 2000 + i);
        path = write_conf(text);
        free(text);
        /* the 65th entry, on line 66 */
        snprintf(want, sizeof(want), "%s:66:5: listen: more than 64 entries", path);
        ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
        ck_assert_str_eq(err.msg, want);

        /* exactly 64 is fine */
        text = malloc(8192);
        ck_assert_ptr_nonnull(text);
        n = (size_t)sprintf(text, "listen:\n");
        for (int i = 0; i < CONFIG_MAX_LISTEN; i++)
                n += (size_t)sprintf(text + n, "  - {address: \"[::1]:%d\", framing: octet}\n", 2000 + i);
        c = load_ok(text);
        free(text);
        ck_assert_uint_eq(c->nlisten, CONFIG_MAX_LISTEN);
        ck_assert_str_eq(c->listen[63].address, "[::1]:2063");
        config_free(c);
}
END_TEST

START_TEST(test_missing_file)
{
        struct config *c = NULL;
        struct config_error err;
        char path[128], want[256];

        snprintf(path, sizeof(path), "%s/nope.yml", tmpdir);
        snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
        ck_assert_int_eq(config_load(path, &c, &err), -ENOENT);
        ck_assert_str_eq(err.msg, want);
        ck_assert_ptr_null(c);
}
END_TEST

/* ---- reference, shipped config, summary ----------------------------- */

static char *capture(void (*fn)(FILE *, const void *), const void *arg)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        ck_assert_ptr_nonnull(f);
        fn(f, arg);
        ck_assert_int_eq(fclose(f), 0);
        return buf;
}

static void print_reference(FILE *f, const void *arg)
{
        (void)arg;
        config_print_reference(f);
}

static void print_summary(FILE *f, const void *arg)
{
        config_print_summary(arg, f);
}

START_TEST(test_reference_round_trips)
{
        _cleanup_free_ char *ref = capture(print_reference, NULL);
        struct config *c = load_ok(ref);

        assert_default_listen(c);
        assert_defaults_except_listen_dirs(c);
        /* the reference shows the defaults used as root */
        ck_assert_str_eq(c->spool_dir, "/var/spool/spoor");
        ck_assert_str_eq(c->state_dir, "/var/lib/spoor");
        config_free(c);
}
END_TEST

START_TEST(test_reference_documents_keys)
{
        _cleanup_free_ char *ref = capture(print_reference, NULL);

        ck_assert_ptr_nonnull(strstr(ref,
                "  # Largest frame (one event); longer ones are rejected "
                "(size, default 256KiB, 1KiB..16MiB, reloadable: yes)\n"
                "  max_frame_bytes: 256KiB\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(enum: auto | lf | octet, default auto, reloadable: no)\n"
                                          "    framing: auto\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(address, required, reloadable: no)\n"
                                          "  - address: 127.0.0.1:1514\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(duration, default 15m, 1s..7d, reloadable: yes)\n"
                                          "  idle_timeout: 15m\n"));
        ck_assert_ptr_nonnull(strstr(ref, "default /var/spool/spoor (./spool when not root)"));
        ck_assert_ptr_nonnull(strstr(ref, "log_level: info\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(policy: always | never | duration, default 1s, 1s..1h, reloadable: no)\n"
                                          "  fsync: 1s\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(size, default 0, 0 or 1MiB..1TiB, reloadable: no)\n"
                                          "  rotate_bytes: 0\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(mapping of lists, default {}, at most 1024 entries, reloadable: yes)\n"
                                          "placeholders: {}\n"));
}
END_TEST

static char *shipped_path(void)
{
        const char *root = getenv("SPOOR_SOURCE_ROOT");
        char *p = NULL;

        if (root)
                ck_assert_int_ge(asprintf(&p, "%s/conf/spoord.yml", root), 0);
        else
                ck_assert_int_ge(asprintf(&p, "%s/../../conf/spoord.yml", SPOOR_TEST_DATA), 0);
        return p;
}

START_TEST(test_shipped_config_loads)
{
        _cleanup_free_ char *path = shipped_path();
        struct config *c = NULL;
        struct config_error err = { "" };

        ck_assert_msg(config_load(path, &c, &err) == 0, "%s", err.msg);
        assert_default_listen(c);
        ck_assert(c->http_enabled);
        ck_assert_str_eq(c->http_address, "127.0.0.1:8514");
        ck_assert_str_eq(c->spool_dir, "/var/spool/spoor");
        ck_assert_str_eq(c->state_dir, "/var/lib/spoor");
        ck_assert_uint_eq(c->nrules, 1);
        ck_assert_str_eq(c->rules[0], "leads.d");
        ck_assert_str_eq(c->log_level, "info");
        ck_assert_uint_eq(c->limits.max_frame_bytes, 256 * 1024);
        ck_assert_uint_eq(c->limits.idle_timeout_s, 900);
        config_free(c);
}
END_TEST

/* Every key the schema knows appears in the shipped file, so it documents
 * them all: take the keys from the reference output. */
START_TEST(test_shipped_config_has_every_key)
{
        _cleanup_free_ char *path = shipped_path();
        _cleanup_free_ char *ref = capture(print_reference, NULL);
        _cleanup_free_ char *shipped = NULL;
        size_t len = 0;
        FILE *f = fopen(path, "r");
        char *line, *save = NULL;
        unsigned keys = 0;

        ck_assert_ptr_nonnull(f);
        ck_assert_int_gt(getdelim(&shipped, &len, '\0', f), 0);
        fclose(f);
        for (line = strtok_r(ref, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char key[128], needle[140];
                const char *s = line + strspn(line, " -");

                if (*s == '#' || !*s || sscanf(s, "%127[a-z_]:", key) != 1)
                        continue;
                snprintf(needle, sizeof(needle), "%s:", key);
                ck_assert_msg(strstr(shipped, needle), "conf/spoord.yml lacks '%s'", key);
                keys++;
        }
        ck_assert_uint_eq(keys, 61);
}
END_TEST

START_TEST(test_summary)
{
        struct config *c = load_ok("listen:\n  - address: '[::1]:1514'\n    framing: octet\n"
                                   "  - address: 0.0.0.0:514\n    timezone: Europe/Berlin\n"
                                   "rules: [/a, /b]\n"
                                   "spool: {fsync: never, rotate_bytes: 1GiB}\n"
                                   "placeholders: {dcs: [dc01, dc02], paws: [paw-1]}\n");
        _cleanup_free_ char *out = capture(print_summary, c);
        char want[256];

        snprintf(want, sizeof(want), "config                             %s\n", c->path);
        ck_assert_ptr_nonnull(strstr(out, want));
        ck_assert_ptr_nonnull(strstr(out,
                "listen[0]                          [::1]:1514  framing octet  timezone UTC\n"
                "listen[1]                          0.0.0.0:514  framing auto  timezone Europe/Berlin\n"));
        ck_assert_ptr_nonnull(strstr(out, "http.address                       127.0.0.1:8514\n"));
        ck_assert_ptr_nonnull(strstr(out, "rules                              /a\n"
                                          "                                   /b\n"));
        ck_assert_ptr_nonnull(strstr(out, "limits.max_frame_bytes             256KiB\n"));
        ck_assert_ptr_nonnull(strstr(out, "limits.idle_timeout                15m\n"));
        ck_assert_ptr_nonnull(strstr(out, "spool.fsync                        never\n"
                                          "spool.rotate_bytes                 1GiB\n"));
        ck_assert_ptr_nonnull(strstr(out, "placeholders                       dcs: dc01, dc02\n"
                                          "                                   paws: paw-1\n"));
        config_free(c);

        c = config_default();
        free(out);
        out = capture(print_summary, c);
        ck_assert_ptr_nonnull(strstr(out, "config                             built-in default (no file)\n"));
        ck_assert_ptr_nonnull(strstr(out, "rules                              (none)\n"));
        ck_assert_ptr_nonnull(strstr(out, "spool.fsync                        1s\n"
                                          "spool.rotate_bytes                 0\n"));
        ck_assert_ptr_nonnull(strstr(out, "placeholders                       (none)\n"));
        config_free(c);
}
END_TEST

/* ---- addresses ------------------------------------------------------ */

static const struct {
        const char *addr;
        int ret;
        const char *host;
        unsigned port;
} address_cases[] = {
        { "127.0.0.1:1514", 0, "127.0.0.1", 1514 },
        { "[::1]:1514", 0, "::1", 1514 },
        { "[::]:0", 0, "::", 0 },
        { "[fe80::1%eth0]:514", 0, "fe80::1%eth0", 514 },
        { "0.0.0.0:0", 0, "0.0.0.0", 0 },
        { "localhost:1514", 0, "localhost", 1514 },
        { "logs.corp.example:65535", 0, "logs.corp.example", 65535 },
        { "::1:1514", -EINVAL, NULL, 0 },
        { ":1514", -EINVAL, NULL, 0 },
        { "1.2.3.4", -EINVAL, NULL, 0 },
        { "1.2.3.4:", -EINVAL, NULL, 0 },
        { "1.2.3.4:65536", -EINVAL, NULL, 0 },
        { "1.2.3.4:abc", -EINVAL, NULL, 0 },
        { "1.2.3.4:-1", -EINVAL, NULL, 0 },
        { "1.2.3.4:001514", -EINVAL, NULL, 0 },
        { "1.2.3.4:1514 ", -EINVAL, NULL, 0 },
        { "999.1.1.1:1", -EINVAL, NULL, 0 },
        { "[::1]", -EINVAL, NULL, 0 },
        { "[::1]1514", -EINVAL, NULL, 0 },
        { "[]:1514", -EINVAL, NULL, 0 },
        { "[1.2.3.4]:1514", -EINVAL, NULL, 0 },
        { "[::1:1514", -EINVAL, NULL, 0 },
        { "host name:1", -EINVAL, NULL, 0 },
        { "", -EINVAL, NULL, 0 },
};

START_TEST(test_split_address)
{
        char host[64] = "";
        unsigned port = 12345;
        int r = config_split_address(address_cases[_i].addr, host, sizeof(host), &port);

        ck_assert_msg(r == address_cases[_i].ret, "'%s': %d", address_cases[_i].addr, r);
        if (r == 0) {
                ck_assert_str_eq(host, address_cases[_i].host);
                ck_assert_uint_eq(port, address_cases[_i].port);
        }
}
END_TEST

START_TEST(test_split_address_small_buffer)
{
        char host[4];
        unsigned port;

        ck_assert_int_eq(config_split_address("localhost:1", host, sizeof(host), &port), -EINVAL);
        ck_assert_int_eq(config_split_address("abc:1", host, sizeof(host), &port), 0);
        ck_assert_str_eq(host, "abc");
        ck_assert_int_eq(config_split_address("abc:1", NULL, 0, NULL), 0);
        ck_assert_int_eq(config_split_address(NULL, host, sizeof(host), &port), -EINVAL);
}
END_TEST

/* Change windows: defaults per entry, day names and ranges, zones;
 * limits.max_logon_sessions. */
START_TEST(test_change_windows)
{
        struct config *c = load_ok("{}\n");
        _cleanup_free_ char *out = NULL;

        ck_assert_uint_eq(c->nchange_windows, 0);
        ck_assert_uint_eq(c->limits.max_logon_sessions, 200000);
        config_free(c);
        c = load_ok("limits: {max_logon_sessions: 5000}\n"
                    "change_windows:\n"
                    "  - days: [Mon-Wed, friday]\n    hours: \"08:00-18:30\"\n    timezone: Europe/Berlin\n"
                    "  - hours: \"22:00-02:00\"\n"
                    "  - days: [sat-mon]\n    timezone: \"+02:00\"\n"
                    "  - {}\n");
        ck_assert_uint_eq(c->limits.max_logon_sessions, 5000);
        ck_assert_uint_eq(c->nchange_windows, 4);
        ck_assert_uint_eq(c->change_windows[0].days, 0x17);
        ck_assert_uint_eq(c->change_windows[0].start_min, 480);
        ck_assert_uint_eq(c->change_windows[0].end_min, 1110);
        ck_assert_str_eq(c->change_windows[0].timezone, "Europe/Berlin");
        ck_assert_str_eq(c->change_windows[0].zone.name, "Europe/Berlin");
        ck_assert_uint_eq(c->change_windows[1].days, 0x7f);
        ck_assert_uint_eq(c->change_windows[1].start_min, 1320);
        ck_assert_uint_eq(c->change_windows[1].end_min, 120);
        ck_assert_str_eq(c->change_windows[1].timezone, "UTC");
        ck_assert_uint_eq(c->change_windows[2].days, 0x61);
        ck_assert_uint_eq(c->change_windows[2].end_min, 1440);
        ck_assert_int_eq(c->change_windows[2].zone.offset_s, 7200);
        ck_assert_uint_eq(c->change_windows[3].days, 0x7f);
        out = capture(print_summary, c);
        ck_assert_ptr_nonnull(strstr(out, "change_windows[0]                  mon,tue,wed,fri 08:00-18:30 Europe/Berlin\n"
                                          "change_windows[1]                  every day 22:00-02:00 UTC\n"
                                          "change_windows[2]                  mon,sat,sun 00:00-24:00 +02:00\n"));
        config_free(c);
}
END_TEST

/* Noise (suppression, escalation): defaults, nested sections, bounds. */
START_TEST(test_noise_keys)
{
        struct config *c = load_ok("{}\n");
        struct config_error err = { "" };
        struct config *bad = NULL;

        ck_assert_uint_eq(c->suppress_s, 0);
        ck_assert_uint_eq(c->escalation.window_s, 3600);
        ck_assert_uint_eq(c->escalation.score_threshold, 0);
        ck_assert_uint_eq(c->escalation.tactic_threshold, 3);
        ck_assert_uint_eq(c->escalation.scores[0], 1);
        ck_assert_uint_eq(c->escalation.scores[2], 5);
        ck_assert_uint_eq(c->escalation.scores[4], 20);
        config_free(c);
        c = load_ok("suppress: 1h\nescalation:\n  window: 30m\n  score_threshold: 30\n  tactic_threshold: 0\n"
                    "  scores: {high: 12, informational: 0}\n");
        ck_assert_uint_eq(c->suppress_s, 3600);
        ck_assert_uint_eq(c->escalation.window_s, 1800);
        ck_assert_uint_eq(c->escalation.score_threshold, 30);
        ck_assert_uint_eq(c->escalation.tactic_threshold, 0);
        ck_assert_uint_eq(c->escalation.scores[3], 12);
        ck_assert_uint_eq(c->escalation.scores[0], 0);
        ck_assert_uint_eq(c->escalation.scores[1], 2);
        config_free(c);
        ck_assert_int_eq(config_load(write_conf("escalation:\n  tactic_threshold: 1\n"), &bad, &err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "escalation.tactic_threshold: 1 is out of range (0 or 2..15)"));
        ck_assert_int_eq(config_load(write_conf("escalation:\n  scores: {severe: 3}\n"), &bad, &err), -EINVAL);
        ck_assert_ptr_nonnull(strstr(err.msg, "escalation.scores.severe: unknown key"));
}
END_TEST

/* ---- TLS listeners ------------------------------------------------- */

static char tls_cert[160], tls_key[160], tls_other_key[160];

/* A self-signed certificate and its key (plus an unrelated key) as PEM
 * files in tmpdir: the loader reads them like the listener does. */
static void write_pem_pair(void)
{
        EVP_PKEY *k = EVP_EC_gen("P-256"), *other = EVP_EC_gen("P-256");
        X509 *x = X509_new();
        FILE *f;

        ck_assert_ptr_nonnull(k);
        ck_assert_ptr_nonnull(other);
        ck_assert_ptr_nonnull(x);
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), -3600);
        X509_gmtime_adj(X509_getm_notAfter(x), 86400);
        X509_NAME_add_entry_by_NID(X509_get_subject_name(x), NID_commonName, MBSTRING_ASC,
                                   (const unsigned char *)"spoor config test", -1, -1, 0);
        X509_set_issuer_name(x, X509_get_subject_name(x));
        X509_set_pubkey(x, k);
        ck_assert_int_gt(X509_sign(x, k, EVP_sha256()), 0);
        snprintf(tls_cert, sizeof(tls_cert), "%s/tls.crt", tmpdir);
        snprintf(tls_key, sizeof(tls_key), "%s/tls.key", tmpdir);
        snprintf(tls_other_key, sizeof(tls_other_key), "%s/other.key", tmpdir);
        ck_assert_ptr_nonnull(f = fopen(tls_cert, "w"));
        ck_assert_int_eq(PEM_write_X509(f, x), 1);
        fclose(f);
        ck_assert_ptr_nonnull(f = fopen(tls_key, "w"));
        ck_assert_int_eq(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
        fclose(f);
        ck_assert_ptr_nonnull(f = fopen(tls_other_key, "w"));
        ck_assert_int_eq(PEM_write_PrivateKey(f, other, NULL, NULL, 0, NULL, NULL), 1);
        fclose(f);
        X509_free(x);
        EVP_PKEY_free(k);
        EVP_PKEY_free(other);
}

START_TEST(test_tls_listener)
{
        char text[2048];
        struct config *c;
        const struct listen_tls_conf *t;

        write_pem_pair();
        snprintf(text, sizeof(text),
                 "listen:\n"
                 "  - address: 0.0.0.0:6514\n"
                 "    tls:\n"
                 "      cert: %s\n"
                 "      key: %s\n"
                 "      ca: %s\n"
                 "      allowed_peers: [NXLog1.Corp.Example, '*.DC.corp.example', 10.1.2.3, '::1']\n"
                 "      handshake_timeout: 30s\n"
                 "    bind_host_to_peer: true\n"
                 "  - address: 127.0.0.1:1514\n"
                 "  - address: 127.0.0.1:1515\n"
                 "    tls: {cert: %s, key: %s, client_cert: none}\n"
                 "limits:\n"
                 "  max_handshakes: 8\n",
                 tls_cert, tls_key, tls_cert, tls_cert, tls_key);
        c = load_ok(text);
        t = &c->listen[0].tls;
        ck_assert_str_eq(t->cert, tls_cert);
        ck_assert_str_eq(t->key, tls_key);
        ck_assert_str_eq(t->ca, tls_cert);
        ck_assert_str_eq(t->client_cert, "required");      /* the default */
        ck_assert_int_eq(t->verify, TLS_CLIENT_CERT_REQUIRED);
        ck_assert_uint_eq(t->nallowed_peers, 4);
        ck_assert_str_eq(t->allowed_peers[0], "nxlog1.corp.example");    /* lower-cased */
        ck_assert_str_eq(t->allowed_peers[1], "*.dc.corp.example");
        ck_assert_str_eq(t->allowed_peers[2], "10.1.2.3");
        ck_assert_str_eq(t->allowed_peers[3], "::1");
        ck_assert_uint_eq(t->handshake_timeout_s, 30);
        ck_assert(c->listen[0].bind_host_to_peer);
        /* a plain listener keeps the defaults, TLS off */
        ck_assert_ptr_null(c->listen[1].tls.cert);
        ck_assert_ptr_null(c->listen[1].tls.ca);
        ck_assert_uint_eq(c->listen[1].tls.nallowed_peers, 0);
        ck_assert_uint_eq(c->listen[1].tls.handshake_timeout_s, 10);
        ck_assert(!c->listen[1].bind_host_to_peer);
        ck_assert_int_eq(c->listen[2].tls.verify, TLS_CLIENT_CERT_NONE);
        ck_assert_uint_eq(c->limits.max_handshakes, 8);
        config_free(c);

        /* spoorctl and --replay do not open the files (nor need to read the key) */
        {
                struct config_error err = { "" };
                const char *path = write_conf("listen:\n  - address: 127.0.0.1:0\n"
                                              "    tls: {cert: /nonexistent.crt, key: /nonexistent.key, "
                                              "client_cert: none}\n");

                c = NULL;
                ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
                ck_assert_ptr_nonnull(strstr(err.msg, "listen[0].tls.cert: /nonexistent.crt: No such file"));
                ck_assert_msg(config_load_flags(path, CONFIG_LOAD_SKIP_FILES, &c, &err) == 0, "%s", err.msg);
                ck_assert_str_eq(c->listen[0].tls.cert, "/nonexistent.crt");
                config_free(c);
                /* the rules between keys still hold */
                path = write_conf("listen:\n  - address: 127.0.0.1:0\n    tls: {cert: /x.crt}\n");
                c = NULL;
                ck_assert_int_eq(config_load_flags(path, CONFIG_LOAD_SKIP_FILES, &c, &err), -EINVAL);
                ck_assert_ptr_nonnull(strstr(err.msg, "listen[0].tls.key: required key missing"));
        }

        c = load_ok("{}\n");
        ck_assert_uint_eq(c->limits.max_handshakes, 64);
        ck_assert_ptr_null(c->listen[0].tls.cert);
        config_free(c);
}
END_TEST

/* Errors: YAML with %1$s = certificate, %2$s = key, %3$s = another key,
 * %4$s = a missing file; the expected message after "file:", same
 * arguments. */
static const struct {
        const char *yaml;
        const char *msg;
} tls_error_cases[] = {
        { "listen:\n  - address: 127.0.0.1:0\n    tls:\n      cert: %1$s\n      client_cert: none\n",
          "4:7: listen[0].tls.key: required key missing (TLS needs cert and key)" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls: {key: %2$s, client_cert: none}\n",
          "3:10: listen[0].tls.cert: required key missing (TLS needs cert and key)" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls: {cert: %1$s, key: %2$s}\n",
          "3:10: listen[0].tls.ca: required key missing: client_cert is required (the default) and client "
          "certificates are verified against ca (client_cert: none accepts clients without one)" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls: {cert: %1$s, key: %2$s, client_cert: optional}\n",
          "3:10: listen[0].tls.ca: required key missing: client_cert is optional and client certificates are "
          "verified against ca (client_cert: none accepts clients without one)" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls: {cert: %1$s, key: %2$s, ca: %1$s, client_cert: none}\n",
          "3:%5$d: listen[0].tls.ca: client_cert is none, so no client certificate is checked against it "
          "(set client_cert: required, or remove ca)" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls:\n      cert: %1$s\n      key: %2$s\n      ca: %1$s\n"
          "      client_cert: optional\n      allowed_peers: [a.example]\n",
          "8:22: listen[0].tls.allowed_peers: needs client_cert: required (a client without a certificate has "
          "no name to match)" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls:\n      cert: %1$s\n      key: %2$s\n      ca: %1$s\n"
          "      allowed_peers: [a.example, 'nxlog*.corp.example']\n",
          "7:34: listen[0].tls.allowed_peers: entry 2: 'nxlog*.corp.example': a wildcard must be the whole "
          "leftmost label, as in '*.corp.example' (partial-label wildcards such as 'nxlog*.corp.example' are "
          "not supported)" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls:\n      cert: %1$s\n      key: %2$s\n      ca: %1$s\n"
          "      allowed_peers: ['*']\n",
          "7:23: listen[0].tls.allowed_peers: entry 1: '*' alone is not a pattern (leave allowed_peers out to "
          "accept every client with a valid certificate)" },
        { "listen:\n  - address: 127.0.0.1:0\n    bind_host_to_peer: true\n",
          "3:24: listen[0].bind_host_to_peer: needs TLS with client certificates (tls: cert, key, ca)" },
        { "listen:\n  - address: 127.0.0.1:0\n    bind_host_to_peer: true\n"
          "    tls: {cert: %1$s, key: %2$s, ca: %1$s, client_cert: optional}\n",
          "3:24: listen[0].bind_host_to_peer: needs tls.client_cert: required" },
        { "listen:\n  - address: 127.0.0.1:0\n  - address: 127.0.0.1:0\n    tls:\n      cert: %4$s\n"
          "      key: %2$s\n      client_cert: none\n",
          "5:13: listen[1].tls.cert: %4$s: No such file or directory" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls:\n      cert: %1$s\n      key: %3$s\n      client_cert: none\n",
          "5:12: listen[0].tls.key: %3$s: does not match the certificate in %1$s" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls:\n      cert: %2$s\n      key: %2$s\n      client_cert: none\n",
          "4:13: listen[0].tls.cert: %2$s: not a PEM certificate (no start line)" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls:\n      cert: %1$s\n      key: %2$s\n      ca: %4$s\n",
          "6:11: listen[0].tls.ca: %4$s: No such file or directory" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls: {cert: %1$s, key: %2$s, client_cert: sometimes}\n",
          "3:%6$d: listen[0].tls.client_cert: 'sometimes' is not one of: none, optional, required" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls: {handshake_timeout: 0}\n",
          "3:30: listen[0].tls.handshake_timeout: 0s is out of range (1s..5m)" },
        { "listen:\n  - address: 127.0.0.1:0\n    tls: {crt: x}\n",
          "3:11: listen[0].tls.crt: unknown key (did you mean 'listen[].tls.cert'?)" },
        { "limits:\n  max_handshakes: 0\n", "2:19: limits.max_handshakes: 0 is out of range (1..65536)" },
};

START_TEST(test_tls_errors)
{
        char missing[160], yaml[1024], want[1024], got_prefix[256];
        struct config *c = NULL;
        struct config_error err = { "" };
        const char *path;
        int ca_col, cc_col;             /* columns that depend on the length of the paths */

        write_pem_pair();
        cc_col = 10 + (int)strlen("{cert: , key: , client_cert: ") + (int)(strlen(tls_cert) + strlen(tls_key));
        ca_col = 10 + (int)strlen("{cert: , key: , ca: ") + (int)(strlen(tls_cert) + strlen(tls_key));
        snprintf(missing, sizeof(missing), "%s/missing.pem", tmpdir);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        snprintf(yaml, sizeof(yaml), tls_error_cases[_i].yaml, tls_cert, tls_key, tls_other_key, missing);
        path = write_conf(yaml);
        snprintf(got_prefix, sizeof(got_prefix), "%s:", path);
        snprintf(want, sizeof(want), tls_error_cases[_i].msg, tls_cert, tls_key, tls_other_key, missing, ca_col,
                 cc_col);
#pragma GCC diagnostic pop
        ck_assert_int_eq(config_load(path, &c, &err), -EINVAL);
        ck_assert_ptr_null(c);
        ck_assert_msg(strncmp(err.msg, got_prefix, strlen(got_prefix)) == 0, "%s", err.msg);
        ck_assert_str_eq(err.msg + strlen(got_prefix), want);
}
END_TEST

START_TEST(test_tls_summary)
{
        char text[2048], want[2048];
        struct config *c;
        _cleanup_free_ char *out = NULL;

        write_pem_pair();
        snprintf(text, sizeof(text),
                 "listen:\n"
                 "  - address: 0.0.0.0:6514\n"
                 "    tls: {cert: %s, key: %s, ca: %s, allowed_peers: [a.example, '*.b.example']}\n"
                 "    bind_host_to_peer: true\n"
                 "  - address: 127.0.0.1:1514\n",
                 tls_cert, tls_key, tls_cert);
        c = load_ok(text);
        out = capture(print_summary, c);
        snprintf(want, sizeof(want),
                 "listen[0]                          0.0.0.0:6514  framing auto  timezone UTC\n"
                 "listen[0].tls                      cert %s  key %s  ca %s  client_cert required  "
                 "allowed_peers a.example,*.b.example  handshake_timeout 10s  bind_host_to_peer true\n"
                 "listen[1]                          127.0.0.1:1514  framing auto  timezone UTC\n",
                 tls_cert, tls_key, tls_cert);
        ck_assert_msg(strstr(out, want), "%s", out);
        ck_assert_ptr_nonnull(strstr(out, "limits.max_handshakes              64\n"));
        config_free(c);
}
END_TEST

/* Keys under listen[] print at their depth, so that the reference (and
 * the man page made from it) names them with their full path. */
START_TEST(test_reference_nested_listen_keys)
{
        _cleanup_free_ char *ref = capture(print_reference, NULL);

        ck_assert_ptr_nonnull(strstr(ref, "reloadable: no)\n    tls:\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(string, reloadable: no)\n      cert:\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(enum: none | optional | required, default required, reloadable: no)\n"
                                          "      client_cert: required\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(duration, default 10s, 1s..5m, reloadable: no)\n"
                                          "      handshake_timeout: 10s\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(bool, default false, reloadable: no)\n    bind_host_to_peer: false\n"));
        ck_assert_ptr_nonnull(strstr(ref, "(integer, default 64, 1..65536, reloadable: yes)\n"
                                          "  max_handshakes: 64\n"));
}
END_TEST

static Suite *config_suite(void)
{
        Suite *s = suite_create("config");
        TCase *tc;

        tc = tcase_create("defaults");
        tcase_add_test(tc, test_default);
        tcase_add_test(tc, test_empty_map_is_default);
        tcase_add_test(tc, test_null_keeps_default);
        suite_add_tcase(s, tc);

        tc = tcase_create("load");
        tcase_add_test(tc, test_full_file);
        tcase_add_test(tc, test_partial_file_keeps_defaults);
        tcase_add_test(tc, test_empty_listen_list);
        tcase_add_loop_test(tc, test_units, 0, (int)ELEMENTSOF(unit_cases));
        tcase_add_test(tc, test_spool_keys);
        tcase_add_loop_test(tc, test_fsync_values, 0, (int)ELEMENTSOF(fsync_cases));
        tcase_add_test(tc, test_placeholders);
        tcase_add_test(tc, test_noise_keys);
        tcase_add_test(tc, test_change_windows);
        suite_add_tcase(s, tc);

        tc = tcase_create("errors");
        tcase_add_loop_test(tc, test_errors, 0, (int)ELEMENTSOF(error_cases));
        tcase_add_test(tc, test_too_many_listeners);
        tcase_add_test(tc, test_missing_file);
        suite_add_tcase(s, tc);

        tc = tcase_create("output");
        tcase_add_test(tc, test_reference_round_trips);
        tcase_add_test(tc, test_reference_documents_keys);
        tcase_add_test(tc, test_shipped_config_loads);
        tcase_add_test(tc, test_shipped_config_has_every_key);
        tcase_add_test(tc, test_summary);
        tcase_add_test(tc, test_reference_nested_listen_keys);
        suite_add_tcase(s, tc);

        tc = tcase_create("tls");
        tcase_add_test(tc, test_tls_listener);
        tcase_add_loop_test(tc, test_tls_errors, 0, (int)ELEMENTSOF(tls_error_cases));
        tcase_add_test(tc, test_tls_summary);
        suite_add_tcase(s, tc);

        tc = tcase_create("address");
        tcase_add_loop_test(tc, test_split_address, 0, (int)ELEMENTSOF(address_cases));
        tcase_add_test(tc, test_split_address_small_buffer);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        int rc;

        if (!mkdtemp(tmpdir)) {
                perror("mkdtemp");
                return EXIT_FAILURE;
        }
        rc = unit_run(config_suite());
        unit_rmtree(tmpdir);
        return rc;
}
