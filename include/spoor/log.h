/* The one logging API.  Under systemd (JOURNAL_STREAM set, or --journal)
 * lines go to journald with structured fields; otherwise to stderr with a
 * "<N>" priority prefix that journald and humans both read.  Parsers and
 * matchers do not log above debug: decisions are logged where they are made. */
#pragma once
#include <stdbool.h>
#include <syslog.h>

void log_init(const char *ident, bool to_journal, int max_priority);
void log_set_max_priority(int prio);
int log_get_max_priority(void);

void log_msg(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Rate-limited variant for things caused by input: at most `burst` lines per
 * key per minute, then one "N more suppressed" line. `key` is any stable
 * small integer (e.g. a reject reason). */
void log_limited(int key, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Log at LOG_CRIT and exit(1). */
void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
