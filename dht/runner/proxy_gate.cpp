// SPDX-License-Identifier: GPL-3.0-or-later
/*
 * proxy_gate.cpp — a start-up race in OpenDHT's proxy client, closed from
 * outside.
 *
 * DhtProxyClient's constructor (OpenDHT 2.4.12, and upstream's as of
 * this writing) starts its HTTP thread, arms the first proxy-info query
 * to run at once, and only then creates listenerRestartTimer_. When the
 * proxy's answer is back before that (a proxy on a fast link, our thread
 * descheduled for a moment), onProxyInfos() goes through the still null
 * timer and the process dies of SIGSEGV. CI saw it with the proxy on
 * loopback; tests/e2e/test_proxy_start.sh makes it happen within a few
 * starts by stalling our thread (tests/helpers/proxy_start.c).
 *
 * The C binding has no way in, but DhtRunner::setLogger() is public, and
 * run() keeps a logger set before it when its config asks for none; the
 * proxy client gets that logger and its HTTP thread logs before it does
 * anything else ("starting io_context"). So: before run_config, the
 * runner gets a logger whose every call from any thread but ours waits
 * until we open the gate, right after run_config has returned and the
 * client is whole. The wait is bounded (GATE_MAX): a gate never opened
 * would cost time, never a hang. The logger formats nothing unless asked
 * to print.
 *
 * A dht_runner* is a dht::DhtRunner* (the C binding casts one into the
 * other); tests/e2e/test_dht_proxy.sh and test_proxy_start.sh would fail
 * at once were that to change.
 */
#include "config.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdarg>
#include <memory>
#include <mutex>
#include <new>
#include <thread>

#include <opendht/dhtrunner.h>
#include <opendht/log.h>

#include "dht/runner/odht_run.h"
#include "dht/runner/proxy_gate.h"

namespace {

constexpr std::chrono::seconds GATE_MAX{5};

struct Gate {
	std::mutex m;
	std::condition_variable cv;
	std::atomic<bool> open{false};
	std::thread::id owner{std::this_thread::get_id()};

	void wait()
	{
		if (open.load(std::memory_order_acquire) || std::this_thread::get_id() == owner)
			return;
		std::unique_lock<std::mutex> l(m);
		cv.wait_for(l, GATE_MAX, [this] { return open.load(); });
	}
};

/* One of the logger's three methods: wait at the gate, then print if asked. */
dht::LogMethod
gated(const std::shared_ptr<Gate> &g, const std::shared_ptr<dht::Logger> &print,
    dht::LogMethod dht::Logger::*which)
{
	return dht::LogMethod([g, print, which](char const *format, va_list args) {
		g->wait();
		if (print && (*print).*which)
			((*print).*which).log(format, args);
	});
}

} // namespace

struct proxy_gate {
	std::shared_ptr<Gate> g;
};

extern "C" struct proxy_gate *
proxy_gate_close(dht_runner *d, bool log, int log_fd)
{
	try {
		auto gate = std::make_unique<proxy_gate>();
		std::shared_ptr<dht::Logger> print = odht_logger(log_fd, log);

		gate->g = std::make_shared<Gate>();
		reinterpret_cast<dht::DhtRunner *>(d)->setLogger(std::make_shared<dht::Logger>(
		    gated(gate->g, print, &dht::Logger::ERR),
		    gated(gate->g, print, &dht::Logger::WARN),
		    gated(gate->g, print, &dht::Logger::DBG)));
		return gate.release();
	} catch (...) {
		return nullptr;
	}
}

extern "C" void
proxy_gate_open(struct proxy_gate *gate)
{
	if (gate == nullptr)
		return;
	{
		std::lock_guard<std::mutex> l(gate->g->m);
		gate->g->open.store(true, std::memory_order_release);
	}
	gate->g->cv.notify_all();
	delete gate;
}
