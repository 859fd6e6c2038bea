/* modules/chan_sip/sip_mwi_body.c - RFC 3842 message-summary bodies. */
#include <stdbool.h>

#include "sip_mwi_body.h"

static int nonneg(int n)
{
	return n < 0 ? 0 : n;
}

void sip_mwi_body(const struct sip_mwi_counts *c, const char *account, struct ly_buf *out)
{
	/* §5.2: "yes" when there are new messages; an urgent new one counts
	 * whether or not the publisher also counted it in new_msgs. */
	bool waiting = nonneg(c->new_msgs) || nonneg(c->new_urgent);

	ly_buf_printf(out, "Messages-Waiting: %s\r\n", waiting ? "yes" : "no");
	if (account && *account)
		ly_buf_printf(out, "Message-Account: %s\r\n", account);
	ly_buf_printf(out, "Voice-Message: %d/%d (%d/%d)\r\n", nonneg(c->new_msgs), nonneg(c->old_msgs),
		      nonneg(c->new_urgent), nonneg(c->old_urgent));
}
