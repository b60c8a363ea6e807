-- wrk script: real browser user agents, and for multi-link runs a random short id per request from
-- a file (one path per line) and a random public client address (Hoko runs with HOKO_TRUST_PROXY=1).
local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
}
local addresses = { "8.8.8.8", "5.42.250.1", "81.2.69.142", "1.1.1.1", "185.60.216.35", "203.0.113.9" }
local paths = {}

init = function(args)
  if args[1] then
    for line in io.lines(args[1]) do paths[#paths + 1] = line end
  end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

request = function()
  local path = wrk.path
  if #paths > 0 then path = paths[math.random(#paths)] end
  return wrk.format("GET", path, {
    ["User-Agent"] = agents[math.random(#agents)],
    ["X-Forwarded-For"] = addresses[math.random(#addresses)],
  })
end
