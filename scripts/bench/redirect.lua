-- wrk script: real browser user agents, an Accept-Language, a referrer on half the requests and the
-- visitor cookies of a returning visitor on 40 % of them. Arguments (after --, "-" for none):
--   1. a file of paths, one per line, one picked at random per request (multi-link runs);
--   2. a file of user agents, one per line, picked at random (default: five common ones);
--   3. "random-ip": a new random public client address (IPv4, 10 % IPv6) per request in X-Forwarded-For
--      (Hoko runs with HOKO_TRUST_PROXY=1), instead of one of six fixed addresses.
local agents = {
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Safari/605.1.15",
  "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
  "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36",
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:121.0) Gecko/20100101 Firefox/121.0",
}
local addresses = { "8.8.8.8", "5.42.250.1", "81.2.69.142", "1.1.1.1", "185.60.216.35", "203.0.113.9" }
local languages = { "en-US,en;q=0.9", "ar-SA,ar;q=0.9,en-US;q=0.8,en;q=0.7", "en-GB,en;q=0.9", "fr-FR,fr;q=0.9,en;q=0.8", "de-DE,de;q=0.9" }
local referrers = { "https://www.google.com/", "https://l.instagram.com/", "https://t.co/", "https://www.facebook.com/", "https://news.ycombinator.com/item?id=38512345" }
local idChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
local paths = {}
local randomIp = false

local function lines(file, into)
  if file and file ~= "-" then
    local list = {}
    for line in io.lines(file) do if line ~= "" then list[#list + 1] = line end end
    return list
  end
  return into
end

local function randomAddress()
  if math.random() < 0.1 then
    return string.format("2a0%d:%x:%x:%x::%x", math.random(0, 9), math.random(0, 65535), math.random(0, 65535), math.random(0, 65535), math.random(1, 65535))
  end
  local a = math.random(1, 223)
  -- Skip the private, loopback and shared ranges: they have no location.
  while a == 10 or a == 127 or a == 100 or a == 169 or a == 172 or a == 192 do a = math.random(1, 223) end
  return a .. "." .. math.random(0, 255) .. "." .. math.random(0, 255) .. "." .. math.random(1, 254)
end

-- Returning visitors' ids (22 characters, as the redirect makes them), drawn once: wrk shares the CPU.
local ids = {}
local function makeIds()
  for n = 1, 1000 do
    local t = {}
    for i = 1, 22 do
      local k = math.random(#idChars)
      t[i] = idChars:sub(k, k)
    end
    ids[n] = table.concat(t)
  end
end

init = function(args)
  paths = lines(args[1], paths)
  agents = lines(args[2], agents)
  randomIp = args[3] == "random-ip"
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
  makeIds()
end

request = function()
  local path = wrk.path
  if #paths > 0 then path = paths[math.random(#paths)] end
  local headers = {
    ["User-Agent"] = agents[math.random(#agents)],
    ["X-Forwarded-For"] = randomIp and randomAddress() or addresses[math.random(#addresses)],
    ["Accept-Language"] = languages[math.random(#languages)],
  }
  if math.random() < 0.5 then headers["Referer"] = referrers[math.random(#referrers)] end
  if math.random() < 0.4 then headers["Cookie"] = "hoko_vid=" .. ids[math.random(#ids)] .. "; hoko_sid=" .. ids[math.random(#ids)] end
  return wrk.format("GET", path, headers)
end
