/* Private to daemon/coverage: the state of host_silent / channel_silent
 * (decisions in silence.c).  Plain data, fixed size: a host or channel
 * costs the same whatever it sends; nothing here owns memory. */
#pragma once
#include <stdbool.h>
#include <stdint.h>

struct coverage;
struct cov_host;
struct cov_chan;
struct winevent;

/* Below this many events a host (channel) has no usual interval yet and is
 * neither judged nor counted when the fleet's health is judged. */
#define SILENCE_MIN_EVENTS 10
/* A limit is this many usual intervals (and at least coverage.silence). */
#define SILENCE_INTERVALS 10
/* The usual interval forgets with this much event time (seconds). */
#define SILENCE_MEMORY_S 86400.0
/* Sweeps run every silence / SILENCE_SWEEPS of fleet time, at least
 * SILENCE_MIN_SWEEP_US apart. */
#define SILENCE_SWEEPS 4
#define SILENCE_MIN_SWEEP_US INT64_C(10000000)

/* Decayed sums over the in-order gaps between events (event time, in
 * seconds, each clipped at the limit then in force): the usual interval is
 * sq / sum, the mean length of the quiet period an instant falls in. */
struct cov_silence_rate {
        double sum, sq;
};

struct cov_silence_fleet {
        int64_t next_sweep_us;          /* fleet clock of the next sweep (0: not scheduled yet) */
        uint64_t sweeps;                /* sweeps run so far: the arrival stamps compare with it */
};

struct cov_silence_host {
        bool started;
        uint32_t count;                 /* events seen (saturating) */
        int64_t last_us;                /* newest event time before this event (own copy) */
        int64_t back_us;                /* first event after a quiet longer than the limit (or the first) */
        uint64_t seen;                  /* fleet sweeps count when its last event arrived */
        struct cov_silence_rate rate;
};

struct cov_silence_chan {
        bool started;
        uint32_t count;                 /* events seen (saturating; the model's count survives a restart, this not) */
        int64_t last_us;
        uint64_t seen;
        struct cov_silence_rate rate;
};
