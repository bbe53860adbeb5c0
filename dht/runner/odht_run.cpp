// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * odht_run.cpp — dht_runner_run_config(), with OpenDHT's log written to a
 * file of ours.
 *
 * The C binding's dht_runner_run_config() (OpenDHT 2.4.12) copies its C
 * struct into a DhtRunner::Config and calls run(); the only log it can
 * ask for is OpenDHT's own on stdout, which --batch keeps for JSON. This
 * does the same copy, field for field, and can give run() a logger that
 * appends each line to an open file descriptor (--dht-log): one write(2)
 * per line, so lines from OpenDHT's threads never interleave. OpenDHT's
 * getFileLogger() would share one std::ofstream between its threads
 * without a lock, and truncates the file.
 *
 * A dht_runner* is a dht::DhtRunner* (the binding casts one into the
 * other), as in proxy_gate.cpp.
 */
#include "config.h"

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <string>
#include <utility>

#include <unistd.h>

#include <opendht/dhtrunner.h>
#include <opendht/log.h>

#include "dht/runner/odht_run.h"

namespace {

constexpr size_t LINE_MAX_LEN = 1024;

std::string
str(const char *s)
{
	return s != nullptr ? std::string(s) : std::string{};
}

/* "[seconds.micro] text\n", seconds on the monotonic clock as OpenDHT's own. */
void
write_line(int fd, char const *format, va_list args)
{
	char line[LINE_MAX_LEN];
	auto us = std::chrono::duration_cast<std::chrono::microseconds>(
	    std::chrono::steady_clock::now().time_since_epoch()).count();
	int head = snprintf(line, sizeof(line), "[%06lld.%06lld] ",
	    static_cast<long long>(us / 1000000), static_cast<long long>(us % 1000000));
	int body;
	size_t len;

	if (head < 0 || static_cast<size_t>(head) >= sizeof(line))
		return;
	body = vsnprintf(line + head, sizeof(line) - static_cast<size_t>(head), format, args);
	if (body < 0)
		return;
	len = static_cast<size_t>(head) + static_cast<size_t>(body);
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;	/* cut, but whole lines all the same */
	line[len++] = '\n';
	(void)!write(fd, line, len);	/* a log line lost is not worth failing for */
}

} // namespace

std::shared_ptr<dht::Logger>
odht_fd_logger(int fd)
{
	/* One LogMethod each, from the lambda: LogMethod's forwarding constructor
	 * would take a LogMethod lvalue as a callable and wrap it, endlessly. */
	auto m = [fd](char const *format, va_list args) { write_line(fd, format, args); };

	return std::make_shared<dht::Logger>(dht::LogMethod(m), dht::LogMethod(m), dht::LogMethod(m));
}

std::shared_ptr<dht::Logger>
odht_logger(int log_fd, bool log)
{
	if (log_fd >= 0)
		return odht_fd_logger(log_fd);
	return log ? dht::log::getStdLogger() : nullptr;
}

extern "C" int
odht_run(dht_runner *d, uint16_t port, const dht_runner_config *c, int log_fd)
{
	auto runner = reinterpret_cast<dht::DhtRunner *>(d);

	try {
		dht::DhtRunner::Config config;
		auto &node = config.dht_config.node_config;

		if (c->dht_config.id.privatekey != nullptr || c->dht_config.id.certificate != nullptr)
			return EINVAL;	/* never asked for: no OpenDHT identity here */
		node.is_bootstrap = c->dht_config.node_config.is_bootstrap;
		node.maintain_storage = c->dht_config.node_config.maintain_storage;
		node.node_id = *reinterpret_cast<const dht::InfoHash *>(
		    &c->dht_config.node_config.node_id);
		node.network = c->dht_config.node_config.network;
		node.persist_path = str(c->dht_config.node_config.persist_path);
		config.threaded = c->threaded;
		config.proxy_server = str(c->proxy_server);
		config.push_node_id = str(c->push_node_id);
		config.push_token = str(c->push_token);
		config.push_topic = str(c->push_topic);
		config.push_platform = str(c->push_platform);
		config.peer_discovery = c->peer_discovery;
		config.peer_publish = c->peer_publish;

		dht::DhtRunner::Context context;
		context.logger = odht_logger(log_fd, c->log);
		runner->run(port, config, std::move(context));
	} catch (...) {
		return ENOTCONN;
	}
	return 0;
}
