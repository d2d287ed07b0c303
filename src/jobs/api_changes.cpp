// JobsApi (api.hpp): the changes, answered once durable.
#include "jobs/api.hpp"
#include "jobs/job_json.hpp"

namespace tepui::jobs {

void JobsApi::change(Result<Effects> effects, http::Response ok, Reply reply) {
  if (!effects) return reply(apiMessage(400, effects.error().message));
  backend_.apply(std::move(*effects), [ok = std::move(ok), reply = std::move(reply)](const Status& s) {
    if (s)
      reply(ok);
    else
      reply(apiMessage(503, "the change could not be stored: " + s.error().message));
  });
}

void JobsApi::putJob(const http::Request& request, JobKind kind, Engine& engine, Reply reply) {
  Result<Job> job = parseJobText(request.body, kind, defaults_);
  if (!job) return reply(apiMessage(400, job.error().message));
  change(engine.putJob(std::move(*job), backend_.now()), http::Response::empty(204), std::move(reply));
}

}  // namespace tepui::jobs
