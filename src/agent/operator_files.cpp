// LIST_FILES and READ_FILE of the agent's operator API (POST /api/v1):
// the same sandboxes and refusals as /files/browse and /files/read
// (files_paths.hpp resolves the path, sandbox_files.hpp lists and reads),
// in v1 shapes: LIST_FILES {path} -> {file_infos}; READ_FILE {path, offset,
// length?} -> {size (the file's), data}. Errors are Mesos's: 400 for a
// missing sub-message or a directory to read, 403 for a path outside every
// sandbox, 404 for a path that does not exist.
#include "agent/agent_impl.hpp"
#include "agent/files_paths.hpp"
#include "agent/sandbox_files.hpp"
#include "common/logging.hpp"
#include "http/api_call.hpp"
#include "tepui/v1/agent.pb.h"

namespace tepui::agent {

namespace {

using Call = v1::agent::Call;
using Response = v1::agent::Response;

http::Response refusal(int status, const std::string& reason) { return http::Response::text(status, reason + "\n"); }

v1::FileInfo fileInfo(const files::Entry& entry) {
  v1::FileInfo info;
  info.set_path(entry.path);
  info.set_nlink(static_cast<int32_t>(entry.st.st_nlink));
  info.set_size(static_cast<uint64_t>(entry.st.st_size));
  info.mutable_mtime()->set_nanoseconds(static_cast<int64_t>(entry.st.st_mtim.tv_sec) * 1000000000 +
                                        entry.st.st_mtim.tv_nsec);
  info.set_mode(entry.st.st_mode);
  info.set_uid(files::userName(entry.st.st_uid));
  info.set_gid(files::groupName(entry.st.st_gid));
  return info;
}

}  // namespace

http::Response AgentImpl::operatorFiles(const Call& call, codec::ContentType type) {
  bool list = call.type() == Call::LIST_FILES;
  if (list ? !call.has_list_files() : !call.has_read_file()) {
    return refusal(400, list ? "Expecting 'list_files' to be present" : "Expecting 'read_file' to be present");
  }
  const std::string& path = list ? call.list_files().path() : call.read_file().path();
  auto resolved = files::resolve({flags_.work_dir, agentId_}, path);
  if (!resolved.ok()) {
    TLOG(INFO) << Call::Type_Name(call.type()) << " refused with " << resolved.status << ": " << resolved.reason;
    return refusal(resolved.status, resolved.reason);
  }
  Response response;
  if (list) {
    auto listed = files::listDirectory(resolved.value, path);
    if (!listed.ok()) return refusal(listed.status, listed.reason);
    response.set_type(Response::LIST_FILES);
    for (auto& entry : listed.value) *response.mutable_list_files()->add_file_infos() = fileInfo(entry);
  } else {
    const auto& read = call.read_file();
    auto offset = static_cast<int64_t>(std::min<uint64_t>(read.offset(), INT64_MAX));
    int64_t length = read.has_length() ? static_cast<int64_t>(std::min<uint64_t>(read.length(), files::kMaxRead)) : -1;
    auto chunk = files::readFile(resolved.value, offset, length);
    if (!chunk.ok()) return refusal(chunk.status, chunk.reason);
    response.set_type(Response::READ_FILE);
    response.mutable_read_file()->set_size(static_cast<uint64_t>(chunk.value.size));
    response.mutable_read_file()->set_data(std::move(chunk.value.data));
  }
  return http::encodedResponse(response, type);
}

}  // namespace tepui::agent
