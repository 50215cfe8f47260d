/*
 * capset's steps: what the plan needs on the way (capabilities made
 * effective for a step, keepcaps across the uid change), then each change
 * made, in crun's order, with libcap talking to the kernel.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "capset.h"

/* What the steps need on the way, beyond the wanted state. */
void
plan_steps(const struct request *rq, const struct creds *cur, struct plan *pl)
{
	const struct creds *w = &pl->want;

	/* Securebits need cap_setpcap in effect, after the final capset. */
	if (w->secbits != cur->secbits && !(w->eff & BIT(CAP_SETPCAP)))
		pl->setpcap_tmp = BIT(CAP_SETPCAP);
	if (dropping_root(pl, cur) && (w->prm | pl->setpcap_tmp) != 0 &&
	    !(cur->secbits & SB_KEEP_CAPS)) {
		if (cur->secbits & (SB_KEEP_CAPS << 1))
			die("--user %s: cannot keep capabilities across the "
			    "uid change: keep-caps-locked is set without "
			    "keep-caps", rq->user);
		pl->keepcaps = true;
	}
	/* Caps the steps use, made effective from permitted first. */
	if (w->bnd != cur->bnd || w->secbits != cur->secbits)
		pl->raise |= BIT(CAP_SETPCAP);
	if (pl->set_uid && !among(w->uid[0], cur->uid))
		pl->raise |= BIT(CAP_SETUID);
	if ((pl->set_gid && !among(w->gid[0], cur->gid)) || pl->set_groups)
		pl->raise |= BIT(CAP_SETGID);
	pl->raise &= ~cur->eff;
}

static void
set_proc(uint64_t prm, uint64_t eff, uint64_t inh)
{
	char b1[1024], b2[1024], b3[1024];
	cap_value_t v;
	cap_t c;

	trace("capset permitted=%s effective=%s inheritable=%s",
	    mask_str(prm, b1, sizeof(b1)), mask_str(eff, b2, sizeof(b2)),
	    mask_str(inh, b3, sizeof(b3)));
	c = cap_init();
	if (c == NULL)
		die_sys("cap_init");
	for (v = 0; v < 64; v++) {
		if ((prm & BIT(v)) &&
		    cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) == -1)
			die_sys("cap_set_flag(%d)", v);
		if ((eff & BIT(v)) &&
		    cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) == -1)
			die_sys("cap_set_flag(%d)", v);
		if ((inh & BIT(v)) &&
		    cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET) == -1)
			die_sys("cap_set_flag(%d)", v);
	}
	if (cap_set_proc(c) == -1)
		die_sys("capset(permitted=%s)", b1);
	cap_free(c);
}

static void
raise_effective(const struct creds *cur, uint64_t raise)
{
	if (raise == 0)
		return;
	set_proc(cur->prm, cur->eff | raise, cur->inh);
}

static void
drop_bounding(const struct creds *cur, const struct creds *w)
{
	uint64_t drop = cur->bnd & ~w->bnd;
	char buf[1024];
	int c;

	if (drop == 0)
		return;
	trace("drop from the bounding set: %s", mask_str(drop, buf,
	    sizeof(buf)));
	for (c = 0; c < 64; c++)
		if ((drop & BIT(c)) && cap_drop_bound(c) == -1)
			die_sys("dropping %s from the bounding set",
			    capstr(c));
}

static void
set_keepcaps(bool on)
{
	trace("prctl(PR_SET_KEEPCAPS, %d)", on);
	if (prctl(PR_SET_KEEPCAPS, on, 0, 0, 0) == -1)
		die_sys("prctl(PR_SET_KEEPCAPS, %d)", on);
}

static void
set_groups(const struct plan *pl)
{
	char buf[1024];
	size_t i, len = 0;

	if (!pl->set_groups)
		return;
	buf[0] = '\0';
	for (i = 0; i < pl->ngroups && len < sizeof(buf); i++)
		len += snprintf(buf + len, sizeof(buf) - len, "%s%lu",
		    i > 0 ? "," : "", (unsigned long)pl->groups[i]);
	trace("setgroups(%s)", len > 0 ? buf : "none");
	if (setgroups(pl->ngroups, pl->groups) == -1)
		die_err(errno, errno == EPERM ? "setgroups is denied in this "
		    "user namespace, or cap_setgid is missing" : NULL,
		    "setgroups(%s)", len > 0 ? buf : "none");
}

static void
set_ids(const struct plan *pl)
{
	gid_t g = pl->want.gid[0];
	uid_t u = pl->want.uid[0];

	if (pl->set_gid) {
		trace("setresgid(%lu)", (unsigned long)g);
		if (setresgid(g, g, g) == -1)
			die_err(errno, errno == EINVAL ? "not mapped in this "
			    "user namespace" : NULL, "setresgid(%lu)",
			    (unsigned long)g);
	}
	if (pl->set_uid) {
		trace("setresuid(%lu)", (unsigned long)u);
		if (setresuid(u, u, u) == -1)
			die_err(errno, errno == EINVAL ? "not mapped in this "
			    "user namespace" : NULL, "setresuid(%lu)",
			    (unsigned long)u);
	}
}

static void
set_ambient(const struct creds *cur, const struct creds *w)
{
	char buf[1024];
	int c;

	/*
	 * Cleared, then raised one by one: a uid change or capset may have
	 * dropped some since cur was read.
	 */
	if (w->amb == 0 && cur->amb == 0)
		return;
	trace("ambient=%s", mask_str(w->amb, buf, sizeof(buf)));
	if (cur->amb != 0 && cap_reset_ambient() == -1)
		die_sys("clearing the ambient set");
	for (c = 0; c < 64; c++)
		if ((w->amb & BIT(c)) && cap_set_ambient(c, CAP_SET) == -1)
			die_sys("raising %s in the ambient set",
			    capstr(c));
}

static void
set_securebits(const struct creds *cur, const struct creds *w)
{
	char buf[256];

	if (w->secbits == cur->secbits)
		return;
	trace("securebits=%s", secbits_str(w->secbits, buf, sizeof(buf)));
	/* Bits this kernel does not know are refused with EPERM. */
	if (prctl(PR_SET_SECUREBITS, w->secbits, 0, 0, 0) == -1)
		die_err(errno, errno == EPERM && w->secbits > 0xff ?
		    "the exec-* securebits need Linux 6.14" : NULL,
		    "prctl(PR_SET_SECUREBITS, %s)", buf);
}

static void
set_nnp(void)
{
	trace("prctl(PR_SET_NO_NEW_PRIVS, 1)");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		die_sys("prctl(PR_SET_NO_NEW_PRIVS)");
}

/*
 * The steps, in crun's order: bounding drop, keepcaps, groups, gid, uid,
 * capset, ambient, securebits, no_new_privs.
 */
void
apply(const struct creds *cur, const struct plan *pl, bool nnp)
{
	const struct creds *w = &pl->want;

	raise_effective(cur, pl->raise);
	drop_bounding(cur, w);
	if (pl->keepcaps)
		set_keepcaps(true);
	set_groups(pl);
	set_ids(pl);
	if (pl->keepcaps)
		set_keepcaps(false);
	if (w->prm != cur->prm || w->eff != cur->eff || w->inh != cur->inh ||
	    pl->raise != 0 || pl->set_uid || pl->setpcap_tmp != 0)
		set_proc(w->prm | pl->setpcap_tmp, w->eff | pl->setpcap_tmp,
		    w->inh);
	set_ambient(cur, w);
	set_securebits(cur, w);
	if (pl->setpcap_tmp != 0)
		set_proc(w->prm, w->eff, w->inh);
	if (nnp)
		set_nnp();
}
