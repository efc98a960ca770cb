/* Placeholder: the silence gap family lands here (see coverage_impl.h). */
#include "coverage_impl.h"

void cov_silence_event(struct coverage *cov, struct cov_host *h, struct cov_chan *c, const struct winevent *ev)
{
}

void cov_silence_host_fini(struct cov_host *h)
{
}

