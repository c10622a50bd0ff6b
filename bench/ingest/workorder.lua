-- wrk script: POST a 2 KB CreateWorkOrder with a unique MessageId per request, as the CS caller (bearer token).
--
--   wrk -t2 -c16 -d10s -s bench/ingest/workorder.lua http://127.0.0.1:PORT/xml/workorder -- TEMPLATE TAG TOKEN
--
-- TEMPLATE is a document holding the 32-character placeholder {{MESSAGE-ID-32-CHARACTERS-XXX}};
-- each request replaces it with "<TAG>-tNN-<counter>" padded to 32 characters, so no two requests of a run
-- (nor of two runs with different tags) share a message id and every body has the same size.
-- The answer's MessageId is read back: at the end, the ids sent but never answered (cut off when wrk stops)
-- are printed, so that the caller can match the queues against the 202s exactly.

local threads = {}
local next_tid = 1
local PLACEHOLDER = "{{MESSAGE-ID-32-CHARACTERS-XXX}}"

function setup(thread)
  thread:set("tid", next_tid)
  next_tid = next_tid + 1
  table.insert(threads, thread)
end

function init(args)
  local f = assert(io.open(args[1], "rb"))
  local doc = f:read("*a")
  f:close()
  local s, e = doc:find(PLACEHOLDER, 1, true)
  assert(s, "the template holds no message-id placeholder")
  head, tail = doc:sub(1, s - 1), doc:sub(e + 1)
  local prefix = string.format("%s-t%02d-", args[2], tid)
  fmt = prefix .. "%0" .. (32 - #prefix) .. "d"
  headers = { ["Content-Type"] = "application/xml", ["Authorization"] = "Bearer " .. args[3] }
  n, accepted, duplicate, other = 0, 0, 0, 0
  statuses = ""
  pending = {}
end

function request()
  n = n + 1
  local id = string.format(fmt, n)
  pending[id] = true
  return wrk.format("POST", wrk.path, headers, head .. id .. tail)
end

function response(status, hdrs, body)
  local id = body and body:match("MessageId>([^<]+)<")
  if id then pending[id] = nil end
  if status == 202 then
    accepted = accepted + 1
  elseif status == 200 then
    duplicate = duplicate + 1
  else
    other = other + 1
    if #statuses < 200 then statuses = statuses .. status .. " " end
  end
end

function done(summary, latency, requests)
  local sent, acc, dup, oth, st, cut = 0, 0, 0, 0, "", {}
  for _, t in ipairs(threads) do
    sent = sent + t:get("n")
    acc = acc + t:get("accepted")
    dup = dup + t:get("duplicate")
    oth = oth + t:get("other")
    st = st .. t:get("statuses")
    for id, _ in pairs(t:get("pending")) do table.insert(cut, id) end
  end
  local e = summary.errors
  io.write(string.format(
    "BENCH duration_us=%d requests=%d sent=%d accepted=%d duplicate=%d other=%d " ..
    "connect_errors=%d read_errors=%d write_errors=%d timeouts=%d status_errors=%d " ..
    "p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%d\n",
    summary.duration, summary.requests, sent, acc, dup, oth,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
  io.write("BENCH-STATUSES " .. st .. "\n")
  io.write("BENCH-UNANSWERED " .. table.concat(cut, " ") .. "\n")
end
