#include "http/deadline_socket.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace flagmeter {
namespace asio = boost::asio;

DeadlineSocket::DeadlineSocket(Passkey, asio::ip::tcp::socket socket)
    : socket_(std::move(socket)), watchdog_(socket_.get_executor(), Clock::time_point::max()) {}

std::shared_ptr<DeadlineSocket> DeadlineSocket::Start(asio::ip::tcp::socket socket) {
  auto self = std::make_shared<DeadlineSocket>(Passkey{}, std::move(socket));
  asio::co_spawn(self->socket_.get_executor(), Watch(self), asio::detached);
  return self;
}

void DeadlineSocket::ExpiresAfter(Clock::duration limit) {
  deadline_ = Clock::now() + limit;
  // A later deadline waits for the watchdog's next look; an earlier one
  // must wake it sooner (re-arming cancels its wait).
  if (deadline_ < watchdog_.expiry()) watchdog_.expires_at(deadline_);
}

void DeadlineSocket::Stop() {
  stopped_ = true;
  watchdog_.cancel();
}

asio::awaitable<void> DeadlineSocket::Watch(std::shared_ptr<DeadlineSocket> self) {
  while (!self->stopped_) {
    co_await self->watchdog_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (self->stopped_) break;
    const Clock::time_point now = Clock::now();
    if (now >= self->deadline_) {
      self->timed_out_ = true;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
      break;
    }
    // Woken at its expiry with the deadline moved on: look again then. (A
    // wait cancelled by a re-arm finds the new expiry still ahead.)
    if (self->watchdog_.expiry() <= now) self->watchdog_.expires_at(self->deadline_);
  }
}

}  // namespace flagmeter
