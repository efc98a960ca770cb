/* Private to daemon/coverage: see silence.c.  Placeholder until silence.c lands. */
#pragma once
#include <stdint.h>

struct coverage;
struct cov_host;
struct cov_chan;
struct winevent;

struct cov_silence_fleet {
        int unused;
};

struct cov_silence_host {
        int unused;
};

struct cov_silence_chan {
        int unused;
};
