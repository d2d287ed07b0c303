// Server and client together on loopback (port 0, one io_context on the
// test thread): routing, keep-alive, limits, responders, streams, and the
// client's pool and errors. The loop runs until a condition holds or a
// deadline passes; nothing sleeps.
#include <gtest/gtest.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <functional>
#include <optional>
#include <set>
#include <thread>

#include "http/client.hpp"
#include "http/recordio.hpp"
#include "http/server.hpp"
#include "support/run_loop.hpp"

namespace tepui::http {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

class HttpLoopback : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server.listen("127.0.0.1", 0).ok());
    endpoint = Endpoint{"127.0.0.1", server.port()};
  }

  // Runs the loop until `done` holds; false if the deadline passed first.
  bool runUntil(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    return testing::runLoopUntil(io, done, limit);
  }

  Result<Response> call(Request request, RequestOptions options = {}, std::optional<Endpoint> to = {}) {
    std::optional<Result<Response>> out;
    client.request(
        to.value_or(endpoint), std::move(request), [&out](Result<Response> r) { out.emplace(std::move(r)); }, options);
    if (!runUntil([&] { return out.has_value(); })) return Error("test: no answer in time");
    return std::move(*out);
  }

  static Request get(std::string target) {
    Request r;
    r.method = "GET";
    r.target = std::move(target);
    return r;
  }

  // Answers `body` after `delay`, from a timer: a handler that keeps its
  // Responder and answers later.
  void answerLater(Responder responder, std::chrono::milliseconds delay, std::string body) {
    auto timer = std::make_shared<asio::steady_timer>(io, delay);
    timer->async_wait([timer, r = std::make_shared<Responder>(std::move(responder)), body](auto) {
      r->respond(Response::text(200, body));
    });
  }

  asio::io_context io;
  Server server{io};
  Client client{io};
  Endpoint endpoint;
};

// One fixture, three suites named for the part under test.
using HttpServer = HttpLoopback;
using HttpStream = HttpLoopback;
using HttpClient = HttpLoopback;

// A hand-driven TCP peer, for bytes no well-behaved client would send.
struct RawPeer {
  RawPeer(asio::io_context& io, uint16_t port) : socket(io) {
    socket.connect(tcp::endpoint(asio::ip::address_v4::loopback(), port));
    read();
  }
  void send(std::string_view bytes) { asio::write(socket, asio::buffer(bytes)); }
  void read() {
    socket.async_read_some(asio::buffer(buffer), [this](boost::system::error_code ec, size_t n) {
      received.append(buffer.data(), n);
      if (ec) {
        closed = true;
      } else {
        read();
      }
    });
  }
  tcp::socket socket;
  std::array<char, 4096> buffer{};
  std::string received;
  bool closed = false;
};

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + 1)) ++n;
  return n;
}

// --- Server ---------------------------------------------------------------

TEST_F(HttpServer, GetAndPostRoundTrip) {
  server.route("/echo", [](Request& req, Responder responder) {
    std::string out = req.method + " " + req.path + " q=" + req.query["q"] +
                      " h=" + req.header("x-thing").value_or("-") + " body=" + req.body;
    responder.respond(Response::json(201, out));
  });
  auto got = call(get("/echo?q=a+b%21&z=1"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 201);
  EXPECT_EQ(got->body, "GET /echo q=a b! h=- body=");
  EXPECT_EQ(got->header("content-type"), "application/json");
  EXPECT_EQ(got->header("Content-Length"), std::to_string(got->body.size()));

  Request post;
  post.method = "POST";
  post.path = "/echo";
  post.query["q"] = "x&y";
  post.headers["X-Thing"] = "yes";
  post.body = R"({"type":"SUBSCRIBE"})";
  got = call(post);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, R"(POST /echo q=x&y h=yes body={"type":"SUBSCRIBE"})");
}

TEST_F(HttpServer, KeepAliveReusesOneConnection) {
  server.route("/who", [](Request& req, Responder responder) { responder.respond(Response::text(200, req.remote)); });
  std::set<std::string> remotes;
  for (int i = 0; i < 5; ++i) {
    auto got = call(get("/who"));
    ASSERT_TRUE(got.ok()) << got.error().message;
    remotes.insert(got->body);
  }
  EXPECT_EQ(remotes.size(), 1u);
  EXPECT_EQ(server.connections(), 1u);
}

TEST_F(HttpServer, UnknownPathGets404FromFallback) {
  auto got = call(get("/no/such?x=1"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, 404);
  EXPECT_EQ(got->body, "No such endpoint: /no/such");
  EXPECT_EQ(got->header("Content-Type"), "text/plain; charset=utf-8");

  server.fallback([](Request&, Responder r) { r.respond(Response::text(418, "teapot")); });
  got = call(get("/no/such"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, 418);
}

TEST_F(HttpServer, ExactThenLongestPrefixRoutes) {
  auto answer = [](std::string name) {
    return [name](Request& req, Responder r) { r.respond(Response::text(200, name + " " + req.path)); };
  };
  server.routePrefix("/files/", answer("files"));
  server.routePrefix("/files/browse/", answer("browse"));
  server.route("/files/browse/exact", answer("exact"));
  EXPECT_EQ(call(get("/files/read"))->body, "files /files/read");
  EXPECT_EQ(call(get("/files/browse/a%20b"))->body, "browse /files/browse/a b");
  EXPECT_EQ(call(get("/files/browse/exact"))->body, "exact /files/browse/exact");
  EXPECT_EQ(call(get("/files"))->status, 404);
}

TEST_F(HttpServer, OversizedBodyGets413) {
  Server small(io, ServerOptions{.maxBodyBytes = 1024});
  ASSERT_TRUE(small.listen("127.0.0.1", 0).ok());
  small.route("/up",
              [](Request& req, Responder r) { r.respond(Response::text(200, std::to_string(req.body.size()))); });
  Request post;
  post.method = "POST";
  post.target = "/up";
  post.body = std::string(1024, 'a');
  Endpoint to{"127.0.0.1", small.port()};
  EXPECT_EQ(call(post, {}, to)->body, "1024");
  post.body += "b";
  auto got = call(post, {}, to);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 413);
  EXPECT_EQ(got->header("Content-Type"), "text/plain; charset=utf-8");
}

TEST_F(HttpServer, MalformedRequestGets400AndClose) {
  RawPeer peer(io, server.port());
  peer.send("NOT HTTP AT ALL\r\n\r\n");
  ASSERT_TRUE(runUntil([&] { return peer.closed; }));
  EXPECT_EQ(peer.received.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << peer.received;
  EXPECT_NE(peer.received.find("Connection: close\r\n"), std::string::npos);
}

TEST_F(HttpServer, EmptyResponseHasNoContentType) {
  server.route("/call", [](Request&, Responder r) { r.respond(Response::empty(202)); });
  RawPeer peer(io, server.port());
  peer.send("POST /call HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
  ASSERT_TRUE(runUntil([&] { return peer.closed; }));
  EXPECT_EQ(peer.received, "HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
}

TEST_F(HttpServer, PipelinedRequestsAnswerInOrder) {
  // The first answer is late; the second must still come after it.
  server.route("/slow", [this](Request&, Responder r) { answerLater(std::move(r), 30ms, "first"); });
  server.route("/fast", [](Request&, Responder r) { r.respond(Response::text(200, "second")); });
  RawPeer peer(io, server.port());
  peer.send(
      "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /fast HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(runUntil([&] { return peer.closed; }));
  size_t first = peer.received.find("first");
  size_t second = peer.received.find("second");
  ASSERT_NE(first, std::string::npos) << peer.received;
  ASSERT_NE(second, std::string::npos) << peer.received;
  EXPECT_LT(first, second);
  EXPECT_EQ(count(peer.received, "HTTP/1.1 200 OK"), 2u);
}

TEST_F(HttpServer, ExpectContinueGets100) {
  server.route("/up", [](Request& req, Responder r) { r.respond(Response::text(200, req.body)); });
  RawPeer peer(io, server.port());
  peer.send("POST /up HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(runUntil([&] { return peer.received.find("\r\n\r\n") != std::string::npos; }));
  EXPECT_EQ(peer.received, "HTTP/1.1 100 Continue\r\n\r\n");
  peer.send("hello");
  ASSERT_TRUE(runUntil([&] { return peer.closed; }));
  EXPECT_NE(peer.received.find("200 OK"), std::string::npos);
  EXPECT_EQ(peer.received.substr(peer.received.size() - 5), "hello");
}

TEST_F(HttpServer, StopClosesKeepAliveConnections) {
  server.route("/x", [](Request&, Responder r) { r.respond(Response::empty(200)); });
  ASSERT_TRUE(call(get("/x")).ok());
  EXPECT_EQ(server.connections(), 1u);
  server.stop();
  EXPECT_EQ(server.connections(), 0u);
  // Either the pooled connection is found closed, or a new one is refused.
  auto got = call(get("/x"));
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find(endpoint.str()), std::string::npos) << got.error().message;
}

TEST_F(HttpServer, LateAnswerFromKeptResponderWorks) {
  server.route("/later", [this](Request&, Responder r) { answerLater(std::move(r), 20ms, "done"); });
  auto got = call(get("/later"));
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "done");
}

TEST_F(HttpServer, DroppedResponderAnswers500) {
  server.route("/forgot", [](Request&, Responder) {});
  std::optional<Responder> kept;
  server.route("/kept", [&](Request&, Responder r) { kept.emplace(std::move(r)); });
  auto got = call(get("/forgot"));
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->status, 500);
  EXPECT_EQ(got->body, "Handler did not respond");

  std::optional<Result<Response>> out;
  client.request(endpoint, get("/kept"), [&](Result<Response> r) { out.emplace(std::move(r)); });
  ASSERT_TRUE(runUntil([&] { return kept.has_value(); }));
  kept.reset();
  ASSERT_TRUE(runUntil([&] { return out.has_value(); }));
  EXPECT_EQ((*out)->status, 500);
}

TEST_F(HttpServer, AKeptResponderSeesItsCallerGiveUp) {
  std::optional<Responder> kept;
  server.route("/held", [&](Request&, Responder r) { kept.emplace(std::move(r)); });
  RawPeer peer(io, server.port());
  peer.send("GET /held HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(runUntil([&] { return kept.has_value(); }));
  EXPECT_FALSE(kept->peerGone());  // still waiting
  peer.socket.shutdown(tcp::socket::shutdown_send);
  EXPECT_TRUE(runUntil([&] { return kept->peerGone(); }));
  kept->respond(Response::text(200, "too late"));
  EXPECT_TRUE(kept->peerGone());  // answered
}

// --- Streams ----------------------------------------------------------------

TEST_F(HttpStream, DeliversPiecesAsTheyAreWritten) {
  const std::vector<std::string> events = {R"({"type":"SUBSCRIBED"})", R"({"type":"HEARTBEAT"})",
                                           R"({"type":"OFFERS"})"};
  size_t written = 0;
  std::vector<size_t> writtenWhenReceived;
  bool serverSawClose = false;
  server.route("/events", [&](Request&, Responder r) {
    Response head;
    head.headers["Content-Type"] = "application/json";
    auto stream = r.stream(head);
    stream->onClose([&] { serverSawClose = true; });
    auto timer = std::make_shared<asio::steady_timer>(io);
    auto next = std::make_shared<std::function<void()>>();
    *next = [&, stream, timer, next] {
      if (written == events.size()) {
        stream->close();
        *next = nullptr;  // breaks the self-reference
        return;
      }
      EXPECT_TRUE(stream->write(recordio::encode(events[written++])));
      timer->expires_after(30ms);
      timer->async_wait([next](auto) { (*next)(); });
    };
    (*next)();
  });

  std::optional<Response> head;
  std::vector<std::string> received;
  recordio::Decoder decoder;
  std::optional<Status> end;
  auto stream = client.openStream(endpoint, get("/events"),
                                  {.onHead = [&](const Response& h) { head = h; },
                                   .onData =
                                       [&](std::string_view data) {
                                         ASSERT_TRUE(decoder.feed(data, received).ok());
                                         writtenWhenReceived.resize(received.size(), written);
                                       },
                                   .onEnd = [&](const Status& s) { end = s; }});
  ASSERT_TRUE(runUntil([&] { return end.has_value(); }));
  EXPECT_TRUE(end->ok()) << end->error().message;
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->header("Content-Type"), "application/json");
  EXPECT_EQ(head->header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(head->header("Content-Length"), std::nullopt);
  EXPECT_EQ(received, events);
  // Each event reached the client before the server wrote the next one.
  EXPECT_EQ(writtenWhenReceived, (std::vector<size_t>{1, 2, 3}));
  EXPECT_TRUE(serverSawClose);
}

TEST_F(HttpStream, OnCloseFiresWhenClientCancels) {
  std::shared_ptr<Stream> serverStream;
  int closes = 0;
  server.route("/events", [&](Request&, Responder r) {
    serverStream = r.stream(Response::empty(200));
    serverStream->onClose([&] { ++closes; });
    serverStream->write("hello");
  });
  int pieces = 0;
  bool ended = false;
  std::shared_ptr<ClientStream> stream;
  stream = client.openStream(endpoint, get("/events"),
                             {.onData =
                                  [&](std::string_view) {
                                    ++pieces;
                                    stream->cancel();  // from inside a callback
                                    serverStream->write("more");
                                  },
                              .onEnd = [&](const Status&) { ended = true; }});
  ASSERT_TRUE(runUntil([&] { return closes > 0; }));
  EXPECT_EQ(pieces, 1);
  EXPECT_TRUE(serverStream->closed());
  EXPECT_FALSE(serverStream->write("late"));
  EXPECT_EQ(server.connections(), 0u);
  EXPECT_FALSE(runUntil([&] { return ended || closes > 1; }, 50ms));  // no callback after cancel
}

TEST_F(HttpStream, DroppingTheStreamEndsTheResponseCleanly) {
  bool serverSawClose = false;
  server.route("/events", [&](Request&, Responder r) {
    auto dropped = r.stream(Response::empty(200));
    dropped->onClose([&] { serverSawClose = true; });
    dropped->write("only");
  });
  std::string data;
  std::optional<Status> end;
  auto stream =
      client.openStream(endpoint, get("/events"),
                        {.onData = [&](std::string_view d) { data += d; }, .onEnd = [&](const Status& s) { end = s; }});
  ASSERT_TRUE(runUntil([&] { return end.has_value(); }));
  EXPECT_TRUE(end->ok());
  EXPECT_EQ(data, "only");
  EXPECT_FALSE(serverSawClose);  // the owner let go; nobody to tell
}

TEST_F(HttpStream, ConnectionServesNothingElse) {
  server.route("/events", [&](Request&, Responder r) {
    auto s = r.stream(Response::empty(200));
    s->write("x");
    s->close();
  });
  server.route("/other", [](Request&, Responder r) { r.respond(Response::text(200, "other")); });
  RawPeer peer(io, server.port());
  peer.send("GET /events HTTP/1.1\r\nHost: x\r\n\r\nGET /other HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(runUntil([&] { return peer.closed; }));
  EXPECT_NE(peer.received.find("Transfer-Encoding: chunked\r\n"), std::string::npos);
  EXPECT_EQ(peer.received.substr(peer.received.find("\r\n\r\n") + 4), "1\r\nx\r\n0\r\n\r\n");
  EXPECT_EQ(peer.received.find("other"), std::string::npos);
}

TEST_F(HttpStream, SurvivesDestroyingTheServer) {
  auto owned = std::make_unique<Server>(io);
  ASSERT_TRUE(owned->listen("127.0.0.1", 0).ok());
  std::shared_ptr<Stream> serverStream;
  bool serverSawClose = false;
  owned->route("/events", [&](Request&, Responder r) {
    serverStream = r.stream(Response::empty(200));
    serverStream->onClose([&] { serverSawClose = true; });
  });
  bool headSeen = false;
  std::optional<Status> end;
  auto stream = client.openStream(
      Endpoint{"127.0.0.1", owned->port()}, get("/events"),
      {.onHead = [&](const Response&) { headSeen = true; }, .onEnd = [&](const Status& s) { end = s; }});
  ASSERT_TRUE(runUntil([&] { return headSeen; }));
  owned.reset();
  EXPECT_TRUE(serverSawClose);
  EXPECT_TRUE(serverStream->closed());
  EXPECT_FALSE(serverStream->write("after the server"));
  serverStream->close();
  ASSERT_TRUE(runUntil([&] { return end.has_value(); }));
  EXPECT_FALSE(end->ok());  // cut off without the final chunk
}

TEST_F(HttpStream, RefusalCarriesItsBodyInTheHead) {
  server.route("/events", [](Request&, Responder r) { r.respond(Response::text(403, "Framework is not subscribed")); });
  std::optional<Response> head;
  bool gotData = false;
  std::optional<Status> end;
  auto stream = client.openStream(endpoint, get("/events"),
                                  {.onHead = [&](const Response& h) { head = h; },
                                   .onData = [&](std::string_view) { gotData = true; },
                                   .onEnd = [&](const Status& s) { end = s; }});
  ASSERT_TRUE(runUntil([&] { return end.has_value(); }));
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 403);
  EXPECT_EQ(head->body, "Framework is not subscribed");
  EXPECT_FALSE(gotData);
  EXPECT_TRUE(end->ok());
}

// --- Client ---------------------------------------------------------------

uint16_t unusedPort(asio::io_context& io) {
  tcp::acceptor probe(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  return probe.local_endpoint().port();  // closed again when probe goes
}

TEST_F(HttpClient, ConnectionRefusedIsAnError) {
  Endpoint nobody{"127.0.0.1", unusedPort(io)};
  auto got = call(get("/"), {}, nobody);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().message, "connect to " + nobody.str() + ": Connection refused");

  std::optional<Status> end;
  auto stream = client.openStream(nobody, get("/"), {.onEnd = [&](const Status& s) { end = s; }});
  ASSERT_TRUE(runUntil([&] { return end.has_value(); }));
  ASSERT_FALSE(end->ok());
  EXPECT_EQ(end->error().message, "connect to " + nobody.str() + ": Connection refused");
}

TEST_F(HttpClient, TimeoutIsAnError) {
  std::optional<Responder> kept;
  server.route("/hang", [&](Request&, Responder r) { kept.emplace(std::move(r)); });
  auto got = call(get("/hang"), RequestOptions{50ms});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().message, "request to " + endpoint.str() + " timed out after 50 ms");
  ASSERT_TRUE(kept);
  kept->respond(Response::text(200, "too late"));  // to a client that left: harmless
  EXPECT_TRUE(call(get("/nothing"))->status == 404);
}

TEST_F(HttpClient, MalformedResponseIsAnError) {
  tcp::acceptor liar(io, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
  tcp::socket accepted(io);
  liar.async_accept(accepted, [&](boost::system::error_code ec) {
    if (!ec) asio::write(accepted, asio::buffer(std::string_view("SPDY/9 lol\r\n\r\n")));
  });
  auto got = call(get("/"), {}, Endpoint{"127.0.0.1", liar.local_endpoint().port()});
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.error().message.find("malformed response"), std::string::npos) << got.error().message;
}

TEST_F(HttpClient, ResolvesLocalhost) {
  server.route("/hi",
               [](Request& req, Responder r) { r.respond(Response::text(200, req.header("Host").value_or(""))); });
  auto got = call(get("/hi"), {}, Endpoint{"localhost", server.port()});
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "localhost:" + std::to_string(server.port()));
}

TEST_F(HttpClient, ConnectsFromTheChosenSourceAddress) {
  server.route("/who", [](Request& req, Responder r) { r.respond(Response::text(200, req.remote)); });
  Client from{io, ClientOptions{.sourceAddress = "127.0.0.2"}};
  std::optional<Result<Response>> out;
  from.request(endpoint, get("/who"), [&out](Result<Response> r) { out.emplace(std::move(r)); });
  ASSERT_TRUE(runUntil([&] { return out.has_value(); }));
  ASSERT_TRUE(out->ok()) << out->error().message;
  EXPECT_TRUE((*out)->body.starts_with("127.0.0.2:")) << (*out)->body;

  // An event stream too; its body here is the address the server saw.
  std::string streamed;
  std::optional<Status> end;
  auto stream = from.openStream(
      endpoint, get("/who"),
      {.onData = [&](std::string_view data) { streamed += data; }, .onEnd = [&](const Status& s) { end = s; }});
  ASSERT_TRUE(runUntil([&] { return end.has_value(); }));
  EXPECT_TRUE(end->ok());
  EXPECT_TRUE(streamed.starts_with("127.0.0.2:")) << streamed;
}

TEST_F(HttpClient, ASourceAddressTriesOnlyResolvedAddressesOfItsFamily) {
  // "localhost" may resolve to ::1 first; the server listens on 127.0.0.1.
  server.route("/who", [](Request& req, Responder r) { r.respond(Response::text(200, req.remote)); });
  Client from{io, ClientOptions{.sourceAddress = "127.0.0.3"}};
  std::optional<Result<Response>> out;
  from.request(Endpoint{"localhost", server.port()}, get("/who"),
               [&out](Result<Response> r) { out.emplace(std::move(r)); });
  ASSERT_TRUE(runUntil([&] { return out.has_value(); }));
  ASSERT_TRUE(out->ok()) << out->error().message;
  EXPECT_TRUE((*out)->body.starts_with("127.0.0.3:")) << (*out)->body;
}

TEST_F(HttpClient, ASourceAddressNotOnThisHostIsAnError) {
  for (std::string source : {"192.0.2.1", "not-an-address"}) {
    Client from{io, ClientOptions{.sourceAddress = source}};
    bool calledInside = true;
    std::optional<Result<Response>> out;
    from.request(endpoint, get("/"), [&out](Result<Response> r) { out.emplace(std::move(r)); });
    calledInside = out.has_value();
    ASSERT_TRUE(runUntil([&] { return out.has_value(); }));
    EXPECT_FALSE(calledInside);
    ASSERT_FALSE(out->ok());
    std::string why = source == "192.0.2.1" ? "Cannot assign requested address" : "not an IP address";
    EXPECT_EQ(out->error().message, "connect to " + endpoint.str() + " from " + source + ": " + why);
  }
}

TEST_F(HttpClient, OpensMoreConnectionsWhenAllAreBusy) {
  std::vector<Responder> waiting;
  server.route("/pair", [&](Request& req, Responder r) {
    waiting.push_back(std::move(r));
    if (waiting.size() < 2) return;
    for (auto& w : waiting) w.respond(Response::text(200, req.remote));
    waiting.clear();
  });
  server.route("/who", [](Request& req, Responder r) { r.respond(Response::text(200, req.remote)); });
  int done = 0;
  for (int i = 0; i < 2; ++i) {
    client.request(endpoint, get("/pair"), [&](Result<Response> r) {
      EXPECT_TRUE(r.ok());
      ++done;
    });
  }
  ASSERT_TRUE(runUntil([&] { return done == 2; }));
  EXPECT_EQ(server.connections(), 2u);
  // Both went back to the pool: more calls open nothing new.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(call(get("/who")).ok());
  EXPECT_EQ(server.connections(), 2u);
}

TEST_F(HttpClient, ShutdownFailsOutstandingCalls) {
  std::optional<Responder> kept;
  server.route("/hang", [&](Request&, Responder r) { kept.emplace(std::move(r)); });
  std::optional<Result<Response>> out;
  client.request(endpoint, get("/hang"), [&](Result<Response> r) { out.emplace(std::move(r)); });
  ASSERT_TRUE(runUntil([&] { return kept.has_value(); }));
  client.shutdown();
  ASSERT_TRUE(out.has_value());
  ASSERT_FALSE(out->ok());
  EXPECT_EQ(out->error().message, "client shut down");
  EXPECT_EQ(call(get("/again"))->status, 404);  // still usable
}

TEST_F(HttpClient, DestroyingTheClientRunsNoCallback) {
  std::vector<Responder> kept;
  server.route("/hang", [&](Request&, Responder r) { kept.push_back(std::move(r)); });
  auto doomed = std::make_unique<Client>(io);
  bool called = false;
  doomed->request(endpoint, get("/hang"), [&](Result<Response>) { called = true; });
  auto stream = doomed->openStream(endpoint, get("/hang"), {.onEnd = [&](const Status&) { called = true; }});
  ASSERT_TRUE(runUntil([&] { return kept.size() == 2; }));
  doomed.reset();
  for (auto& r : kept) r.respond(Response::text(200, "to nobody"));
  // The server finds both peers gone, and the client calls nothing.
  EXPECT_TRUE(runUntil([&] { return server.connections() == 0; }));
  EXPECT_FALSE(called);
}

TEST_F(HttpClient, FetchRunsItsOwnLoop) {
  server.route("/ping", [](Request&, Responder r) { r.respond(Response::text(200, "pong")); });
  std::thread loop([this] { io.run(); });  // the pending accept keeps it running
  auto got = fetch(endpoint, get("/ping"));
  asio::post(io, [this] {
    server.stop();
    io.stop();
  });
  loop.join();
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->body, "pong");
}

}  // namespace
}  // namespace tepui::http
