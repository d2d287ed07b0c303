// Downloads with libcurl and local copies (see download.hpp).
#include "fetcher/download.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <memory>
#include <mutex>

#include "fetcher/files.hpp"

namespace tepui::fetcher {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// The path of an http(s) URL: from the first '/' after the host up to the
// query or fragment.
std::string urlPath(const std::string& url) {
  size_t start = url.find("://") + 3;
  size_t end = url.find_first_of("?#", start);
  std::string hostAndPath = url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  size_t slash = hostAndPath.find('/');
  return slash == std::string::npos ? "" : hostAndPath.substr(slash);
}

struct Sink {
  int fd;
  int error = 0;
};

size_t writeToFd(char* data, size_t size, size_t count, void* userdata) {
  auto* sink = static_cast<Sink*>(userdata);
  size_t total = size * count;
  for (size_t done = 0; done < total;) {
    ssize_t n = ::write(sink->fd, data + done, total - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      sink->error = errno;
      return 0;  // makes curl stop with CURLE_WRITE_ERROR
    }
    done += static_cast<size_t>(n);
  }
  return total;
}

Status httpDownload(const std::string& url, int fd, std::chrono::seconds timeout) {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Error("cannot initialise libcurl");
  char message[CURL_ERROR_SIZE] = {};
  Sink sink{fd};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(c, CURLOPT_MAXREDIRS, 20L);
  curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT, static_cast<long>(timeout.count()));
  // A stalled transfer (under one byte a second for a minute) fails long
  // before the overall timeout, like Mesos's --fetcher_stall_timeout.
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "tepui-fetcher/" TEPUI_VERSION);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, message);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, writeToFd);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);

  CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return okStatus();
  if (rc == CURLE_HTTP_RETURNED_ERROR) {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    return Error("HTTP status " + std::to_string(status));
  }
  if (rc == CURLE_WRITE_ERROR && sink.error != 0) return Error("cannot write: " + errnoText(sink.error));
  return Error(message[0] != '\0' ? message : curl_easy_strerror(rc));
}

}  // namespace

Result<Source> parseSource(const std::string& uri) {
  size_t schemeEnd = uri.find("://");
  std::string scheme = schemeEnd == std::string::npos ? "" : lower(uri.substr(0, schemeEnd));
  if (scheme == "http" || scheme == "https") {
    return Source{Source::Kind::HTTP, uri, urlPath(uri)};
  }
  if (scheme == "file") {
    std::string path = uri.substr(schemeEnd + 3);
    if (path.rfind("localhost/", 0) == 0) path.erase(0, std::string("localhost").size());
    if (path.empty() || path[0] != '/') return Error("a file URI names an absolute path: file:///path");
    return Source{Source::Kind::LOCAL, path, path};
  }
  if (!scheme.empty()) {
    return Error("unsupported scheme '" + scheme + "' (http, https and file are supported)");
  }
  if (uri.empty() || uri[0] != '/') return Error("a relative path cannot be fetched: give an absolute path or a URI");
  return Source{Source::Kind::LOCAL, uri, uri};
}

Status download(const Source& source, const std::string& destination, std::chrono::seconds timeout) {
  Status got = okStatus();
  if (source.kind == Source::Kind::LOCAL) {
    got = copyFile(source.location, destination);
  } else if (auto out = createFile(destination); !out) {
    got = out.error();
  } else {
    got = httpDownload(source.location, out->get(), timeout);
  }
  if (!got) ::unlink(destination.c_str());
  return got;
}

}  // namespace tepui::fetcher
