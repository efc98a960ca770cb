/* The one logging API (include/spoor/log.h). */
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-journal.h>

#include "spoor/log.h"

#define LOG_LIMIT_KEYS 64
#define LOG_LIMIT_BURST 10
#define LOG_LIMIT_PERIOD_S 60

static const char *log_ident = "spoord";
static bool log_journal;
static int log_max = LOG_INFO;

static struct {
        time_t period_start;
        unsigned emitted;
        unsigned suppressed;
} log_limits[LOG_LIMIT_KEYS];
/* log_limits is shared by the decoding thread and the pipeline's worker */
static pthread_mutex_t log_limits_mu = PTHREAD_MUTEX_INITIALIZER;

void log_init(const char *ident, bool to_journal, int max_priority)
{
        log_ident = ident;
        log_journal = to_journal;
        log_max = max_priority;
}

void log_set_max_priority(int prio)
{
        log_max = prio;
}

int log_get_max_priority(void)
{
        return log_max;
}

__attribute__((format(printf, 2, 0)))
static void log_write(int prio, const char *fmt, va_list ap)
{
        char buf[2048];

        vsnprintf(buf, sizeof(buf), fmt, ap);
        if (log_journal) {
                sd_journal_send("MESSAGE=%s", buf, "PRIORITY=%d", prio,
                                "SYSLOG_IDENTIFIER=%s", log_ident, NULL);
                return;
        }
        fprintf(stderr, "<%d>%s: %s\n", prio, log_ident, buf);
}

void log_msg(int prio, const char *fmt, ...)
{
        va_list ap;
        int saved = errno;

        if (prio > log_max)
                return;
        va_start(ap, fmt);
        log_write(prio, fmt, ap);
        va_end(ap);
        errno = saved;
}

void log_limited(int key, int prio, const char *fmt, ...)
{
        va_list ap;
        time_t now = time(NULL);
        int saved = errno;
        unsigned suppressed = 0;
        bool emit;

        if (prio > log_max)
                return;
        key = (key < 0 ? -key : key) % LOG_LIMIT_KEYS;
        pthread_mutex_lock(&log_limits_mu);
        if (now - log_limits[key].period_start >= LOG_LIMIT_PERIOD_S) {
                suppressed = log_limits[key].suppressed;
                log_limits[key].period_start = now;
                log_limits[key].emitted = 0;
                log_limits[key].suppressed = 0;
        }
        emit = log_limits[key].emitted < LOG_LIMIT_BURST;
        if (emit)
                log_limits[key].emitted++;
        else
                log_limits[key].suppressed++;
        pthread_mutex_unlock(&log_limits_mu);
        if (suppressed > 0)
                log_msg(prio, "(%u similar messages suppressed in the last %d s)", suppressed, LOG_LIMIT_PERIOD_S);
        if (emit) {
                va_start(ap, fmt);
                log_write(prio, fmt, ap);
                va_end(ap);
        }
        errno = saved;
}

void fatal(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_write(LOG_CRIT, fmt, ap);
        va_end(ap);
        exit(1);
}
