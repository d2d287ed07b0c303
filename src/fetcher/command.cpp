// The tepui-fetcher program: its flags, the URIs file and the result file
// (the contract is in fetcher.hpp).
#include <algorithm>
#include <charconv>
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/flags.hpp"
#include "common/logging.hpp"
#include "fetcher/fetcher.hpp"

namespace tepui::fetcher {

namespace {

const char* kUsage =
    "Usage: tepui-fetcher --sandbox DIR --uris FILE [flags]\n\n"
    "Fetches an executor's CommandInfo.uris (a JSON array in FILE) into its sandbox.\n"
    "Exit 0: all fetched; 1: one failed (the reason is in --result); 2: bad arguments.";

Result<std::string> readFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Error("cannot read '" + path + "'");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The failure as the one line the agent reports.
void writeResult(const std::string& path, std::string message) {
  std::replace(message.begin(), message.end(), '\n', ' ');
  std::ofstream out(path, std::ios::trunc);
  out << message << "\n";
  if (!out.flush()) TLOG(ERROR) << "Cannot write the result to '" << path << "'";
}

}  // namespace

int fetcherMain(int argc, const char* const* argv) {
  logging::setComponent("fetcher");
  std::string sandbox, urisFile, cacheDir, cacheSize = std::to_string(kDefaultCacheSize);
  std::optional<std::string> user, result;
  Seconds timeout = FetchOptions{}.timeout;
  FlagSet flags(kUsage);
  flags.add("sandbox", &sandbox, "The sandbox to fetch into (required).");
  flags.add("uris", &urisFile, "A file with the JSON array of CommandInfo.URI objects to fetch (required).");
  flags.add("cache_dir", &cacheDir, "The agent's fetcher cache; empty: URIs with cache=true are not cached.");
  flags.add("cache_size", &cacheSize, "The most bytes the cache may hold.");
  flags.add("user", &user, "The user that gets what is fetched (when running as root).");
  flags.add("result", &result, "Where to write the failure, one line, when a URI cannot be fetched.");
  flags.add("timeout", &timeout, "The longest one download may take.");

  auto usage = [&](const std::string& problem) {
    std::cerr << "tepui-fetcher: " << problem << "\n\n" << flags.help();
    return 2;
  };
  auto parsed = flags.parse(argc, argv);
  if (!parsed) return usage(parsed.error().message);
  if (flags.helpRequested()) {
    std::cout << flags.help();
    return 0;
  }
  if (!parsed->empty()) return usage("unexpected argument '" + parsed->front() + "'");
  if (sandbox.empty() || urisFile.empty()) return usage("--sandbox and --uris are required");
  FetchOptions options{.sandbox = sandbox, .user = user, .cacheDir = cacheDir};
  auto [end, ec] = std::from_chars(cacheSize.data(), cacheSize.data() + cacheSize.size(), options.cacheSize);
  if (ec != std::errc() || end != cacheSize.data() + cacheSize.size()) {
    return usage("invalid value '" + cacheSize + "' for --cache_size: expected a number of bytes");
  }
  if (timeout.count() < 1) return usage("--timeout must be at least 1secs");
  options.timeout = std::chrono::seconds(static_cast<long>(timeout.count()));

  auto text = readFile(urisFile);
  if (!text) return usage(text.error().message);
  auto uris = parseUris(*text);
  if (!uris) return usage(uris.error().context("invalid --uris file '" + urisFile + "'").message);

  if (Status fetched = fetchAll(*uris, options); !fetched) {
    TLOG(ERROR) << fetched.error().message;
    if (result) writeResult(*result, fetched.error().message);
    return 1;
  }
  TLOG(INFO) << "Fetched " << uris->size() << " URI(s) into '" << sandbox << "'";
  return 0;
}

}  // namespace tepui::fetcher
