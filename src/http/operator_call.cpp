// Shared parts of the operator APIs (operator_call.hpp).
#include "http/operator_call.hpp"

#include "http/api_call.hpp"

namespace tepui::http {

std::variant<codec::ContentType, Response> decodeOperatorCall(const Request& request, google::protobuf::Message* call,
                                                              const std::string& what) {
  auto decoded = decodeApiCall(request, call, what);
  if (auto* refused = std::get_if<Response>(&decoded)) return std::move(*refused);
  auto accept = acceptedType(request);
  if (std::holds_alternative<Response>(accept)) return accept;
  const auto* type = call->GetDescriptor()->FindFieldByName("type");
  const auto* reflection = call->GetReflection();
  if (!type || !reflection->HasField(*call, type) || reflection->GetEnumValue(*call, type) == 0) {
    return Response::text(400, "Failed to validate " + what + ": expecting 'type' to be present\n");
  }
  return accept;
}

void addFlags(const FlagSet* flags, google::protobuf::RepeatedPtrField<v1::Flag>* out) {
  if (!flags) return;
  for (auto& [name, value] : flags->values()) {
    auto* flag = out->Add();
    flag->set_name(name);
    flag->set_value(value);
  }
}

Response setLoggingLevel(bool present, uint32_t level, int64_t nanoseconds, LoggingLevel& logging) {
  if (!present) return Response::text(400, "Expecting 'set_logging_level' to be present\n");
  if (auto refused = logging.set(level, Seconds(static_cast<double>(nanoseconds) * 1e-9))) {
    return Response::text(400, *refused + "\n");
  }
  return Response::empty(200);
}

v1::VersionInfo versionInfo(double startTime) {
  v1::VersionInfo version;
  version.set_version(TEPUI_VERSION);
  version.set_build_date(__DATE__);
  version.set_build_time(startTime);
  version.set_build_user("tepui");
  return version;
}

}  // namespace tepui::http
