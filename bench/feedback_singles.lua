-- wrk script for bench/feedback_ingest.py: single creates, POST /v1/feedback.
-- Every request is a new item (source, external id) with its own Idempotency-Key, a customer out of
-- 5,000 and a text of 8 to 24 words from the bench's vocabulary (WORDS, passed in the environment).
-- At the end it prints the answers by status, so that the bench can refuse anything but 201.

local words = {}
for word in string.gmatch(os.getenv("IDEAFLOW_BENCH_WORDS") or "feedback", "%S+") do
  words[#words + 1] = word
end
local run = os.getenv("IDEAFLOW_BENCH_RUN") or tostring(os.time())
local counter = 0
local threads = {}
statuses = {}

function setup(thread)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed(os.time())
end

function request()
  counter = counter + 1
  local text = {}
  for i = 1, math.random(8, 24) do
    text[i] = words[math.random(#words)]
  end
  local id = string.format("%s-%d", run, counter)
  local body = string.format(
    '{"text":"%s.","channel":"crm","source":"bench-single","external_id":"%s","customer_ref":"customer-%d"}',
    table.concat(text, " "), id, math.random(0, 4999))
  local headers = {}
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
  headers["Idempotency-Key"] = id
  return wrk.format("POST", "/v1/feedback", headers, body)
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    local counted = thread:get("statuses")
    for status, count in pairs(counted) do
      io.write(string.format("status %d %d\n", status, count))
    end
  end
end
