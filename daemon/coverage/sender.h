/* Private to daemon/coverage: see sender.c.  Placeholder until sender.c lands. */
#pragma once
#include <stdint.h>

struct coverage;
struct cov_host;
struct cov_chan;
struct winevent;

struct cov_sender_fleet {
        int unused;
};

struct cov_sender_host {
        int unused;
};

struct cov_sender_chan {
        int unused;
};
