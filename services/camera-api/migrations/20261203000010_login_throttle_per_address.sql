-- Failed logins per username and client address (review item 14): the
-- backoff that slows one guesser no longer locks the user out from their
-- own address. A login that came with no address (not through the edge)
-- counts against the NULL address; an IPv6 client against its /64.
CREATE TABLE login_throttle_by_address (
    username      text        NOT NULL,
    address       inet,
    failures      integer     NOT NULL,
    blocked_until timestamptz,
    UNIQUE NULLS NOT DISTINCT (username, address)
);

-- login_throttle stays, as the far looser limit per username across every
-- address. Its blocks were set by the old, tighter rule; they end now, and
-- the next failure sets one by the new rule.
UPDATE login_throttle SET blocked_until = NULL;

-- When a username (from one address, or from all) may try again after its
-- `failures`-th failure in a row: at once for the first `free`, then after
-- 1 s, 2 s, 4 s, … up to `cap_secs`. The exponent stops at 30, so a long
-- attack never overflows power() into an error on every failure.
CREATE FUNCTION login_blocked_until(failures integer, free integer, cap_secs double precision)
RETURNS timestamptz LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN failures > free
        THEN now() + make_interval(secs => least(power(2, least(failures - free - 1, 30)), cap_secs))
    END
$$;
