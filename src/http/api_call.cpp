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

std::variant<codec::ContentType, Response> acceptedType(const Request& request) {
  auto accept = codec::fromAccept(request.header("Accept"));
  if (!accept) {
    return Response::text(406, "Expecting 'Accept' to allow application/json or application/x-protobuf\n");
  }
  return *accept;
}

Response encodedResponse(const google::protobuf::Message& message, codec::ContentType type) {
  Response out;
  out.status = 200;
  out.headers["Content-Type"] = std::string(codec::mediaType(type));
  out.body = codec::encode(message, type);
  return out;
}

}  // namespace tepui::http
