-- The edge's own refusals: haproxy.cfg sets txn.problem (the problem+json
-- document), perhaps txn.retry_after or txn.allow, and hands the request here.
--
-- Why not `http-request return`: HAProxy (2.6, 2.8) answers at once and then
-- stops reading the request. Over HTTP/2 it resets a stream whose body is
-- still arriving (RST_STREAM CANCEL), and a client that sees the reset drops
-- the answer with it: a 413 for a large upload never reached the uploader.
-- Reading the body to its end first (and throwing it away) leaves the stream
-- half-closed by the client, so the answer closes it cleanly. Memory stays
-- one chunk per refusal; a client that stops sending is cut by
-- `timeout client` as any other, and one that would send without end is
-- answered after DISCARD_MAX bytes anyway (and may then see the reset).
local DISCARD_MAX = 16 * 1024 * 1024

core.register_service("problem", "http", function(applet)
    local discarded = 0
    repeat
        local chunk = applet:receive(16384)
        discarded = discarded + (chunk and #chunk or 0)
    until chunk == nil or chunk == "" or discarded > DISCARD_MAX

    local body = applet:get_var("txn.problem")
    -- The document names its own status, so the two can't disagree.
    applet:set_status(tonumber(body:match('"status":(%d+)')))
    applet:add_header("content-type", "application/problem+json")
    applet:add_header("content-length", tostring(#body))
    for name, var in pairs({["retry-after"] = "txn.retry_after", allow = "txn.allow"}) do
        local value = applet:get_var(var)
        if value then
            applet:add_header(name, value)
        end
    end
    applet:start_response()
    applet:send(body)
end)
