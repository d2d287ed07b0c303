// The transport checks of v1 calls (see api_call.hpp).
#include "http/api_call.hpp"

namespace tepui::http {

std::variant<codec::ContentType, Response> decodeApiCall(const Request& request, google::protobuf::Message* call,
                                                         const std::string& what) {
  if (request.method != "POST") return Response::methodNotAllowed("POST", request.method);
  auto header = request.header("Content-Type");
  if (!header) return Response::text(400, "Expecting 'Content-Type' to be present\n");
  auto type = codec::fromContentType(*header);
  if (!type) {
    return Response::text(
        415, "Expecting 'Content-Type' of application/json or application/x-protobuf, got '" + *header + "'\n");
  }
  if (auto decoded = codec::decode(request.body, *type, call); !decoded) {
    return Response::text(400, "Failed to validate " + what + ": " + decoded.error().message + "\n");
  }
  return *type;
}

}  // namespace tepui::http
