/* Placeholder: the sender gap family lands here (see coverage_impl.h). */
#include "coverage_impl.h"

void cov_sender_event(struct coverage *cov, struct cov_host *h, const struct winevent *ev)
{
}

void cov_sender_host_fini(struct cov_host *h)
{
}

void cov_sender_fleet_fini(struct coverage *cov)
{
}

void coverage_reject(struct coverage *cov, const char *peer, enum reject_reason why, const char *data, size_t len)
{
}

