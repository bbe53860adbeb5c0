/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * main.c — the command line: parse options, then run the session (gonet ROOM,
 * gonet --batch ROOM) or --dht-dump. Exit status: 0 ok, 1 runtime failure,
 * 2 usage error.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <event2/thread.h>
#include <sodium.h>

#include "src/cli/cfgfile.h"
#include "src/cli/dump.h"
#include "src/cli/roomsrc.h"
#include "src/clock/clock.h"
#include "src/identity/identity.h"
#include "src/cli/natcheck.h"
#include "dht/record/record.h"
#include "src/session/rendezvous.h"
#include "dht/room/room.h"
#include "dht/runner/runner.h"
#include "src/ui/json.h"
#include "src/ui/sanitize.h"
#include "src/session/session.h"
#include "src/session/target.h"
#include "tunnel/net/endpoint.h"
#include "tunnel/turn/turn_uri.h"
#include "dht/wire/utf8.h"

enum {
	MAX_BOOTSTRAP = RUNNER_MAX_BOOTSTRAP,
	MAX_STUN = SESSION_MAX_STUN,
	MAX_TURN = 4,
	MAX_LINGER = 86400
};

/* Public STUN servers asked by default; unreachable ones cost nothing. */
static const char *const default_stun[] = {
	"stun.l.google.com:19302",
	"stun.cloudflare.com:3478",
	NULL
};

enum mode {
	MODE_CHAT,
	MODE_BATCH,
	MODE_DUMP,
	MODE_NATCHECK
};

enum long_only {
	OPT_DHT_DUMP = 256,
	OPT_BATCH,
	OPT_JSON,
	OPT_WATCH,
	OPT_BOOTSTRAP,
	OPT_PORT,
	OPT_DHT_PORT,
	OPT_IDENTITY,
	OPT_NICK,
	OPT_NO_LAN,
	OPT_STUN,
	OPT_NO_STUN,
	OPT_LOOPBACK,
	OPT_LINGER,
	OPT_NAT_CHECK,
	OPT_TURN,
	OPT_NO_RELAY,
	OPT_NO_DHT_FALLBACK,
	OPT_WAIT,
	OPT_TO,
	OPT_CONFIG,
	OPT_NO_CONFIG,
	OPT_PRINT_CONFIG,
	OPT_ROOM_FILE,
	OPT_DOWNLOAD_DIR,
	OPT_NO_PORT_MAPPING,
	OPT_NO_PEER_EXCHANGE,
	OPT_DHT_PROXY,
	OPT_DHT_HYBRID,
	OPT_DHT_LOG
};

struct options {
	enum mode mode;
	bool json, watch, lan, no_stun, loopback, no_relay, no_dht_fallback, no_port_mapping;
	bool no_peer_exchange;
	int verbose;			/* -1 quiet, 0 normal, 1+ more */
	const char *bootstrap[MAX_BOOTSTRAP + 1];	/* "HOST[:PORT]" as given */
	int nbootstrap;
	char *bootstrap_env;		/* owns the strings from GONET_BOOTSTRAP */
	struct runner_host boot[MAX_BOOTSTRAP];	/* the same, split */
	char boot_host[MAX_BOOTSTRAP][256];
	const char *stun[MAX_STUN + 1];
	int nstun;
	const char *turn[MAX_TURN + 1];
	int nturn;
	unsigned linger;
	unsigned wait;			/* --wait seconds */
	const char *to;			/* --to TARGET */
	uint16_t port, dht_port;
	bool port_set, dht_port_set;	/* given on the command line */
	const char *identity, *nick, *room;
	const char *room_file;		/* --room-file */
	char room_buf[ROOMSRC_LEN];	/* the room read from stdin or a file; wiped */
	const char *config;		/* --config FILE */
	bool no_config, print_config;
	struct cfgfile cfg;		/* the config file's settings; wiped (TURN credentials) */
	char cfg_path[1024];		/* the file read, "" when none */
	const char *dht_proxy;		/* --dht-proxy, else the config file's; NULL: none */
	bool dht_hybrid;		/* --dht-hybrid: our UDP node beside the proxy */
	const char *dht_log;		/* --dht-log: OpenDHT's own log to this file */
	const char *download_dir;	/* --download-dir, else the config file's; NULL: default */
	char download_buf[1024];	/* the config file's, "~/" expanded */
	int64_t time_offset_ms;		/* GONET_FAKE_TIME_OFFSET (seconds), for tests */
	struct clock clock;		/* the real clock, shifted by time_offset_ms */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: gonet [options] [ROOM | - | --room-file FILE]\n"
	    "       gonet --batch [options] [ROOM | - | --room-file FILE]\n"
	    "       gonet --dht-dump [--json] [--watch] [options] [ROOM | - | --room-file FILE]\n"
	    "       gonet --nat-check --stun HOST[:PORT] [--json] [--port PORT]\n"
	    "       gonet --print-config [options]\n"
	    "\n"
	    "Everyone who runs gonet with the same ROOM string meets in one encrypted chat.\n"
	    "Without ROOM (or with -) the room is read from standard input: asked for\n"
	    "without echo on a terminal, else its first line. ROOM on the command line\n"
	    "is visible to every user of this machine (ps).\n"
	    "\n"
	    "  --room-file FILE       the room is the first line of FILE (mode 600)\n"
	    "  --config FILE          settings from FILE (default: $XDG_CONFIG_HOME/gonet/config\n"
	    "                         or ~/.config/gonet/config if it exists; options win)\n"
	    "  --no-config            read no config file\n"
	    "  --print-config         print the settings in effect (passwords masked), exit\n"
	    "  --batch                no terminal UI: stdin lines are sent, events are\n"
	    "                         printed as JSON lines; at EOF, wait until every\n"
	    "                         message is delivered or reported (at most\n"
	    "                         --wait + 60 s)\n"
	    "  --linger SECONDS       --batch: keep running this long after EOF on stdin\n"
	    "  --wait SECONDS         --batch: a line read while nobody is connected waits\n"
	    "                         this long for a peer (default %d; 0: no waiting)\n"
	    "  --to NICK[@FP]         every line to that peer alone, as with /msg\n"
	    "  --download-dir DIR     where accepted files go (default:\n"
	    "                         $XDG_DOWNLOAD_DIR/gonet, else ~/Downloads/gonet)\n"
	    "  --dht-dump             show our DHT node and, with ROOM, every value there\n"
	    "  --json                 --dht-dump: JSON lines (one object per line)\n"
	    "  --watch                --dht-dump: keep listening, print new values\n"
	    "  --nat-check            report our NAT's mapping, filtering and hairpinning\n"
	    "                         (RFC 5780; needs a STUN server with OTHER-ADDRESS)\n"
	    "  --bootstrap HOST[:PORT]\n"
	    "                         DHT bootstrap node, repeatable; \"none\" for none\n"
	    "                         (default: $GONET_BOOTSTRAP, else the config file,\n"
	    "                         else " RUNNER_DEFAULT_BOOTSTRAP ")\n"
	    "  --port PORT            data (WireGuard) UDP port (default 0: any free port)\n"
	    "  --dht-port PORT        DHT port (default: the last one used, else random)\n"
	    "  --stun HOST[:PORT]     STUN server, repeatable (default: %s, %s)\n"
	    "  --no-stun              ask no STUN server\n"
	    "  --turn turn:USER:PASS@HOST[:PORT]\n"
	    "                         TURN server to relay through when no direct path\n"
	    "                         works, repeatable (at most 4); better in the config\n"
	    "                         file: ps shows the password given here\n"
	    "  --no-relay             never forward packets between other peers\n"
	    "  --no-dht-fallback      never chat through the DHT with a peer no path reaches\n"
	    "  --no-port-mapping      never ask the gateway to forward a port (PCP, NAT-PMP)\n"
	    "  --no-peer-exchange     never hand the room's records to peers nor take theirs\n"
	    "  --dht-proxy URL        reach the DHT through an OpenDHT proxy (http://HOST:PORT)\n"
	    "                         over TCP instead of UDP: no bootstrap needed\n"
	    "  --dht-hybrid           with --dht-proxy: our own UDP DHT node too, every\n"
	    "                         put and listen both ways (the first answer wins)\n"
	    "  --dht-log FILE         append OpenDHT's own log to FILE (also in --batch)\n"
	    "  --identity FILE        identity file (default ~/.config/gonet/identity)\n"
	    "  --nick NICK            name shown to the room (default $USER)\n"
	    "  --no-lan-discovery     no OpenDHT multicast peer discovery\n"
	    "  --loopback             publish loopback addresses too (peers on one host)\n"
	    "  -v, --verbose          more messages (twice: OpenDHT's log too, not in --batch)\n"
	    "  -q, --quiet            fewer messages\n"
	    "  -h, --help             this text\n"
	    "  -V, --version          print the version\n"
	    "\n"
	    "Commands: /who, /msg NICK TEXT, /me TEXT, /nick NEW, /send FILE [NICK],\n"
	    "/accept N, /reject N, /cancel N, /files, /quit, /help;\n"
	    "\"//\" starts a line with \"/\".\n"
	    "Exit status: 0 ok, 1 runtime failure, 2 usage error. See gonet(1).\n",
	    SESSION_WAIT_DEFAULT_S, default_stun[0], default_stun[1]);
}

static int
parse_port(const char *s, uint16_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static void cli_error(const struct options *o, const char *what, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * --bootstrap, else GONET_BOOTSTRAP (comma or space separated), else the
 * config file's, else the default; split.
 */
static int
bootstrap_defaults(struct options *o)
{
	const char *env = getenv("GONET_BOOTSTRAP");
	char *s, *tok, *save = NULL;
	unsigned i;

	if (o->nbootstrap > 0)
		goto out;
	if (env != NULL && (o->bootstrap_env = strdup(env)) != NULL) {
		for (s = o->bootstrap_env; (tok = strtok_r(s, ", \t", &save)) != NULL; s = NULL)
			if (o->nbootstrap < MAX_BOOTSTRAP)
				o->bootstrap[o->nbootstrap++] = tok;
	}
	for (i = 0; o->nbootstrap == 0 && i < o->cfg.nbootstrap; i++)
		o->bootstrap[i] = o->cfg.bootstrap[i];
	if (o->nbootstrap == 0)
		o->nbootstrap = (int)o->cfg.nbootstrap;
	if (o->nbootstrap == 0)
		o->bootstrap[o->nbootstrap++] = RUNNER_DEFAULT_BOOTSTRAP;
out:
	if (o->nbootstrap == 1 && strcmp(o->bootstrap[0], "none") == 0)
		o->nbootstrap = 0;
	o->bootstrap[o->nbootstrap] = NULL;
	for (i = 0; i < (unsigned)o->nbootstrap; i++) {
		if (endpoint_parse_hostport(o->bootstrap[i], o->boot_host[i], sizeof(o->boot_host[i]),
		    RUNNER_DEFAULT_PORT, &o->boot[i].port) != 0) {
			cli_error(o, "usage", "bad bootstrap node \"%s\" (want HOST[:PORT])",
			    o->bootstrap[i]);
			return -1;
		}
		o->boot[i].host = o->boot_host[i];
	}
	return 0;
}

/* $XDG_CACHE_HOME/gonet, else ~/.cache/gonet; created (0700). */
static int
cache_dir(char *buf, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char parent[1024];

	if (xdg != NULL && xdg[0] == '/')
		snprintf(parent, sizeof(parent), "%s", xdg);
	else if (home != NULL && home[0] == '/')
		snprintf(parent, sizeof(parent), "%s/.cache", home);
	else
		return -1;
	if (snprintf(buf, len, "%s/gonet", parent) >= (int)len)
		return -1;
	(void)mkdir(parent, 0700);
	if (mkdir(buf, 0700) == -1 && errno != EEXIST)
		return -1;
	return 0;
}

/* http:// or https:// and printable ASCII after it, as the config file's dht-proxy. */
static bool
proxy_url_ok(const char *v)
{
	size_t skip = strncmp(v, "http://", 7) == 0 ? 7 : strncmp(v, "https://", 8) == 0 ? 8 : 0;

	if (skip == 0 || v[skip] == '\0')
		return false;
	for (v += skip; *v != '\0'; v++)
		if (*v <= ' ' || *v > '~')
			return false;
	return true;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "dht-dump", no_argument, NULL, OPT_DHT_DUMP },
		{ "batch", no_argument, NULL, OPT_BATCH },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "watch", no_argument, NULL, OPT_WATCH },
		{ "bootstrap", required_argument, NULL, OPT_BOOTSTRAP },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "dht-port", required_argument, NULL, OPT_DHT_PORT },
		{ "identity", required_argument, NULL, OPT_IDENTITY },
		{ "nick", required_argument, NULL, OPT_NICK },
		{ "no-lan-discovery", no_argument, NULL, OPT_NO_LAN },
		{ "stun", required_argument, NULL, OPT_STUN },
		{ "no-stun", no_argument, NULL, OPT_NO_STUN },
		{ "loopback", no_argument, NULL, OPT_LOOPBACK },
		{ "linger", required_argument, NULL, OPT_LINGER },
		{ "nat-check", no_argument, NULL, OPT_NAT_CHECK },
		{ "turn", required_argument, NULL, OPT_TURN },
		{ "no-relay", no_argument, NULL, OPT_NO_RELAY },
		{ "no-dht-fallback", no_argument, NULL, OPT_NO_DHT_FALLBACK },
		{ "wait", required_argument, NULL, OPT_WAIT },
		{ "to", required_argument, NULL, OPT_TO },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "no-config", no_argument, NULL, OPT_NO_CONFIG },
		{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
		{ "room-file", required_argument, NULL, OPT_ROOM_FILE },
		{ "download-dir", required_argument, NULL, OPT_DOWNLOAD_DIR },
		{ "no-port-mapping", no_argument, NULL, OPT_NO_PORT_MAPPING },
		{ "no-peer-exchange", no_argument, NULL, OPT_NO_PEER_EXCHANGE },
		{ "dht-proxy", required_argument, NULL, OPT_DHT_PROXY },
		{ "dht-hybrid", no_argument, NULL, OPT_DHT_HYBRID },
		{ "dht-log", required_argument, NULL, OPT_DHT_LOG },
		{ NULL, 0, NULL, 0 }
	};
	const char *env;
	int c;

	o->lan = true;
	o->wait = SESSION_WAIT_DEFAULT_S;
	while ((c = getopt_long(argc, argv, "hVvq", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("gonet %s\n", PACKAGE_VERSION);
			exit(0);
		case 'v':
			o->verbose++;
			break;
		case 'q':
			o->verbose = -1;
			break;
		case OPT_DHT_DUMP:
			o->mode = MODE_DUMP;
			break;
		case OPT_BATCH:
			o->mode = MODE_BATCH;
			break;
		case OPT_NAT_CHECK:
			o->mode = MODE_NATCHECK;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_WATCH:
			o->watch = true;
			break;
		case OPT_BOOTSTRAP:
			if (o->nbootstrap == MAX_BOOTSTRAP) {
				fprintf(stderr, "gonet: at most %d --bootstrap\n", MAX_BOOTSTRAP);
				return -1;
			}
			o->bootstrap[o->nbootstrap++] = optarg;
			break;
		case OPT_PORT:
		case OPT_DHT_PORT:
			if (parse_port(optarg, c == OPT_PORT ? &o->port : &o->dht_port) == -1) {
				fprintf(stderr, "gonet: bad port \"%s\"\n", optarg);
				return -1;
			}
			*(c == OPT_PORT ? &o->port_set : &o->dht_port_set) = true;
			break;
		case OPT_CONFIG:
			o->config = optarg;
			break;
		case OPT_NO_CONFIG:
			o->no_config = true;
			break;
		case OPT_PRINT_CONFIG:
			o->print_config = true;
			break;
		case OPT_ROOM_FILE:
			o->room_file = optarg;
			break;
		case OPT_IDENTITY:
			o->identity = optarg;
			break;
		case OPT_NICK:
			if (strlen(optarg) > RECORD_MAX_NICK ||
			    !utf8_valid((const uint8_t *)optarg, strlen(optarg))) {
				fprintf(stderr, "gonet: a nick is at most %d bytes of UTF-8\n",
				    RECORD_MAX_NICK);
				return -1;
			}
			if (!sanitize_is_plain((const uint8_t *)optarg, strlen(optarg))) {
				fprintf(stderr, "gonet: a nick cannot contain control or "
				    "bidirectional formatting characters\n");
				return -1;
			}
			o->nick = optarg;
			break;
		case OPT_NO_LAN:
			o->lan = false;
			break;
		case OPT_STUN:
			if (o->nstun == MAX_STUN) {
				fprintf(stderr, "gonet: at most %d --stun\n", MAX_STUN);
				return -1;
			}
			o->stun[o->nstun++] = optarg;
			break;
		case OPT_NO_STUN:
			o->no_stun = true;
			break;
		case OPT_TURN: {
			struct turn_uri u;
			enum turn_uri_err e;

			if (o->nturn == MAX_TURN) {
				fprintf(stderr, "gonet: at most %d --turn\n", MAX_TURN);
				return -1;
			}
			if ((e = turn_uri_parse(optarg, &u)) != TURN_URI_OK) {
				fprintf(stderr, "gonet: bad --turn: %s\n", turn_uri_err_str(e));
				return -1;
			}
			turn_uri_wipe(&u);
			o->turn[o->nturn++] = optarg;
			break;
		}
		case OPT_NO_RELAY:
			o->no_relay = true;
			break;
		case OPT_NO_DHT_FALLBACK:
			o->no_dht_fallback = true;
			break;
		case OPT_NO_PORT_MAPPING:
			o->no_port_mapping = true;
			break;
		case OPT_NO_PEER_EXCHANGE:
			o->no_peer_exchange = true;
			break;
		case OPT_DHT_PROXY:
			if (!proxy_url_ok(optarg)) {
				fprintf(stderr, "gonet: bad --dht-proxy: want an http:// or https:// URL\n");
				return -1;
			}
			o->dht_proxy = optarg;
			break;
		case OPT_DHT_HYBRID:
			o->dht_hybrid = true;
			break;
		case OPT_DHT_LOG:
			if (*optarg == '\0') {
				fprintf(stderr, "gonet: bad --dht-log: want a file name\n");
				return -1;
			}
			o->dht_log = optarg;
			break;
		case OPT_LOOPBACK:
			o->loopback = true;
			break;
		case OPT_LINGER: {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || v > MAX_LINGER) {
				fprintf(stderr, "gonet: bad --linger \"%s\" (seconds, at most %d)\n",
				    optarg, MAX_LINGER);
				return -1;
			}
			o->linger = (unsigned)v;
			break;
		}
		case OPT_WAIT: {
			char *end;
			unsigned long v;

			errno = 0;
			v = strtoul(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' || v > SESSION_WAIT_MAX_S) {
				fprintf(stderr, "gonet: bad --wait \"%s\" (seconds, at most %d)\n",
				    optarg, SESSION_WAIT_MAX_S);
				return -1;
			}
			o->wait = (unsigned)v;
			break;
		}
		case OPT_TO: {
			struct target t;
			enum target_error e;

			if ((e = target_parse(optarg, strlen(optarg), &t)) != TARGET_OK ||
			    strpbrk(optarg, " \t") != NULL) {
				fprintf(stderr, "gonet: bad --to: %s\n", e != TARGET_OK ?
				    target_strerror(e) : "one word: NICK, NICK@FP or @FP");
				return -1;
			}
			o->to = optarg;
			break;
		}
		case OPT_DOWNLOAD_DIR:
			if (optarg[0] == '\0') {
				fprintf(stderr, "gonet: bad --download-dir: empty\n");
				return -1;
			}
			o->download_dir = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind < argc)
		o->room = argv[optind++];
	if (optind < argc || ((o->room != NULL || o->room_file != NULL) &&
	    (o->mode == MODE_NATCHECK || o->print_config))) {
		fprintf(stderr, "gonet: no ROOM with --nat-check or --print-config\n");
		return -1;
	}
	if (o->room != NULL && o->room_file != NULL) {
		fprintf(stderr, "gonet: ROOM and --room-file: give one\n");
		return -1;
	}
	if (o->config != NULL && o->no_config) {
		fprintf(stderr, "gonet: --config and --no-config: give one\n");
		return -1;
	}
	if ((env = getenv("GONET_FAKE_TIME_OFFSET")) != NULL)
		o->time_offset_ms = strtoll(env, NULL, 10) * 1000;
	o->clock = clock_real(&o->time_offset_ms);
	return 0;
}

/*
 * A start-up error: on stderr, and with --batch also as a JSON event on
 * stdout, where a script reads everything else.
 */
static void
cli_error(const struct options *o, const char *what, const char *fmt, ...)
{
	char text[1024];
	struct json j;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	fprintf(stderr, "gonet: %s\n", text);
	if (o->mode != MODE_BATCH)
		return;
	json_begin(&j);
	json_str(&j, "event", "error");
	json_str(&j, "what", what);
	json_strn(&j, "text", text, strlen(text));
	json_print(&j, stdout);
}

/* The config file, --config or the default one, unless --no-config. 0, or -1 (told). */
static int
load_config(struct options *o)
{
	char err[CFGFILE_ERR_LEN];
	int found;

	if (o->no_config)
		return 0;
	if (o->config != NULL)
		snprintf(o->cfg_path, sizeof(o->cfg_path), "%s", o->config);
	else if (cfgfile_default_path(o->cfg_path, sizeof(o->cfg_path)) != 0)
		return 0;		/* no home: no default file */
	if (cfgfile_load(&o->cfg, o->cfg_path, o->config != NULL, &found, err, sizeof(err)) != 0) {
		cli_error(o, "config", "%s", err);
		return -1;
	}
	if (!found)
		o->cfg_path[0] = '\0';
	return 0;
}

/*
 * Settings in order of precedence: the command line, the environment
 * (GONET_BOOTSTRAP), the config file, the defaults (USER for the nick). A
 * list given on the command line replaces the file's list.
 */
static int
settle(struct options *o)
{
	const struct cfgfile *c = &o->cfg;
	const char *env;
	unsigned i;

	if (o->nick == NULL && (c->have & 1u << CFG_NICK))
		o->nick = c->nick;
	if (o->nick == NULL) {
		env = getenv("USER");
		o->nick = env != NULL && strlen(env) <= RECORD_MAX_NICK &&
		    utf8_valid((const uint8_t *)env, strlen(env)) &&
		    sanitize_is_plain((const uint8_t *)env, strlen(env)) ? env : "";
	}
	if (o->nstun == 0 && !o->no_stun) {
		if (c->nstun == 1 && strcmp(c->stun[0], "none") == 0)
			o->no_stun = true;
		for (i = 0; !o->no_stun && i < c->nstun; i++)
			o->stun[o->nstun++] = c->stun[i];
	}
	for (i = 0; o->nturn == 0 && i < c->nturn; i++)
		o->turn[i] = c->turn[i];
	if (o->nturn == 0)
		o->nturn = (int)c->nturn;
	if (!o->port_set && (c->have & 1u << CFG_PORT))
		o->port = c->port;
	if (!o->dht_port_set && (c->have & 1u << CFG_DHT_PORT))
		o->dht_port = c->dht_port;
	if (o->dht_proxy == NULL && (c->have & 1u << CFG_DHT_PROXY))
		o->dht_proxy = c->dht_proxy;
	if (!o->dht_hybrid && (c->have & 1u << CFG_DHT_HYBRID))
		o->dht_hybrid = c->dht_hybrid;
	if (o->dht_hybrid && o->dht_proxy == NULL) {
		cli_error(o, "usage",
		    "--dht-hybrid (or dht-hybrid = yes) needs a proxy (--dht-proxy, or dht-proxy in "
		    "the config file)");
		return -1;
	}
	if (o->download_dir == NULL && (c->have & 1u << CFG_DOWNLOAD_DIR)) {
		env = getenv("HOME");
		if (c->download_dir[0] == '~' && (env == NULL || env[0] != '/')) {
			cli_error(o, "usage", "download-dir %s: no HOME to expand ~ with",
			    c->download_dir);
			return -1;
		}
		if ((size_t)snprintf(o->download_buf, sizeof(o->download_buf), "%s%s",
		    c->download_dir[0] == '~' ? env : "", c->download_dir +
		    (c->download_dir[0] == '~')) >= sizeof(o->download_buf)) {
			cli_error(o, "usage", "download-dir: path too long");
			return -1;
		}
		o->download_dir = o->download_buf;
	}
	return bootstrap_defaults(o);
}

/* --print-config: the settings in effect, in the config file's format, passwords masked. */
static int
print_config(const struct options *o)
{
	static struct cfgfile eff;
	int i;

	memset(&eff, 0, sizeof(eff));
	if (o->nick[0] != '\0') {
		eff.have |= 1u << CFG_NICK;
		snprintf(eff.nick, sizeof(eff.nick), "%s", o->nick);
	}
	for (i = 0; i < o->nbootstrap; i++)
		snprintf(eff.bootstrap[eff.nbootstrap++], sizeof(eff.bootstrap[0]), "%s",
		    o->bootstrap[i]);
	if (eff.nbootstrap == 0)
		snprintf(eff.bootstrap[eff.nbootstrap++], sizeof(eff.bootstrap[0]), "none");
	if (o->no_stun)
		snprintf(eff.stun[eff.nstun++], sizeof(eff.stun[0]), "none");
	for (i = 0; !o->no_stun && i < (o->nstun > 0 ? o->nstun : 2); i++)
		snprintf(eff.stun[eff.nstun++], sizeof(eff.stun[0]), "%s",
		    o->nstun > 0 ? o->stun[i] : default_stun[i]);
	for (i = 0; i < o->nturn; i++)
		snprintf(eff.turn[eff.nturn++], sizeof(eff.turn[0]), "%s", o->turn[i]);
	eff.port = o->port;
	eff.dht_port = o->dht_port;
	eff.have |= 1u << CFG_BOOTSTRAP | 1u << CFG_STUN | 1u << CFG_PORT | 1u << CFG_DHT_PORT;
	if (o->dht_hybrid) {
		eff.have |= 1u << CFG_DHT_HYBRID;
		eff.dht_hybrid = 1;
	}
	if (o->dht_proxy != NULL) {
		eff.have |= 1u << CFG_DHT_PROXY;
		snprintf(eff.dht_proxy, sizeof(eff.dht_proxy), "%s", o->dht_proxy);
	}
	if (o->download_dir != NULL) {
		eff.have |= 1u << CFG_DOWNLOAD_DIR;
		snprintf(eff.download_dir, sizeof(eff.download_dir), "%s", o->download_dir);
	}
	printf("# gonet --print-config: the settings in effect, each from the command line,\n"
	    "# else the environment (GONET_BOOTSTRAP), else the config file, else the\n"
	    "# default (USER for the nick). Config file: %s\n", o->cfg_path[0] != '\0' ? o->cfg_path :
	    o->no_config ? "none (--no-config)" : "none");
	if (eff.port == 0)
		printf("# port 0: any free port; dht-port 0: the last one used, else random\n");
	cfgfile_write(stdout, &eff);
	cfgfile_wipe(&eff);
	return fflush(stdout) == 0 ? 0 : 1;
}

/*
 * The room, unless on the command line: --room-file, or standard input
 * for "-" or none at all (but --dht-dump without ROOM has no room).
 */
static int
get_room(struct options *o)
{
	char err[ROOMSRC_ERR_LEN];
	int tty, r;

	if (o->room_file != NULL) {
		r = roomsrc_file(o->room_file, o->room_buf, err, sizeof(err));
	} else if (o->room == NULL && o->mode == MODE_DUMP) {
		return 0;
	} else if (o->room != NULL && strcmp(o->room, "-") != 0) {
		return 0;
	} else if (isatty(STDIN_FILENO)) {
		/* The terminal itself, so the prompt shows even when stdout is not one. */
		if ((tty = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY)) == -1)
			tty = STDIN_FILENO;
		r = roomsrc_prompt(tty, "Room (not shown): ", o->room_buf, err, sizeof(err));
		if (tty != STDIN_FILENO)
			close(tty);
	} else {
		r = roomsrc_line(STDIN_FILENO, o->room_buf, err, sizeof(err));
	}
	if (r != 0) {
		cli_error(o, "room", "%s", err);
		return -1;
	}
	o->room = o->room_buf;
	return 0;
}

/* The DHT runner's warnings in --dht-dump: a JSON line with --json, else stderr. */
static void
dump_warn(void *arg, const char *text)
{
	const struct options *o = arg;
	struct json j;

	if (!o->json) {
		fprintf(stderr, "gonet: %s\n", text);
		return;
	}
	json_begin(&j);
	json_str(&j, "type", "error");
	json_strn(&j, "text", text, strlen(text));
	json_print(&j, stdout);
}

/* --dht-dump: the DHT node, the room keys (with ROOM), an existing identity for "ownid". */
static int
run_dump(struct options *o)
{
	char cache[1024], err[IDENTITY_ERR_LEN], path[1024];
	struct room_keys keys;
	struct runner_config rc;
	struct event_base *base;
	struct identity *id = NULL;
	struct runner *r;
	enum room_error re;
	bool have_cache;
	int status = 1;

	if (o->room != NULL &&
	    (re = room_derive(o->room, strlen(o->room), &keys)) != ROOM_OK) {
		fprintf(stderr, "gonet: %s\n", room_strerror(re));
		return re == ROOM_NOMEM ? 1 : 2;
	}
	if (o->identity != NULL) {
		/* --dht-dump never creates an identity; it only uses one for "ownid". */
		if ((id = identity_load(o->identity, err, sizeof(err))) == NULL)
			fprintf(stderr, "gonet: %s\n", err);
	} else if (identity_default_path(path, sizeof(path), err, sizeof(err)) == 0 &&
	    access(path, F_OK) == 0) {
		id = identity_load(path, err, sizeof(err));
	}

	have_cache = cache_dir(cache, sizeof(cache)) == 0;
	evthread_use_pthreads();
	if ((base = event_base_new()) == NULL)
		goto out_id;
	memset(&rc, 0, sizeof(rc));
	rc.port = o->dht_port;
	rc.cache_dir = have_cache ? cache : NULL;
	rc.bootstrap = o->boot;
	rc.nbootstrap = (size_t)o->nbootstrap;
	rc.lan_discovery = o->lan;
	rc.proxy = o->dht_proxy;
	rc.proxy_and_udp = o->dht_hybrid;
	rc.log = o->verbose >= 2;
	rc.log_path = o->dht_log;
	rc.warn = dump_warn;
	rc.warn_arg = o;
	if ((r = runner_new(base, &rc)) != NULL) {
		struct dump_config dc = {
			.base = base, .runner = r, .keys = o->room != NULL ? &keys : NULL,
			.own_id = id != NULL ? identity_sign_pk(id) : NULL,
			.json = o->json, .watch = o->watch,
			.clock = &o->clock
		};

		status = dump_run(&dc);
		runner_free(r);
	}
	event_base_free(base);
out_id:
	identity_free(id);
	if (o->room != NULL)
		room_keys_wipe(&keys);
	return status;
}

/* gonet ROOM and gonet --batch ROOM. */
static int
run_session(struct options *o)
{
	char cache[1024];
	struct session_config sc;
	enum room_error re;

	/* Argon2id comes later, timed; a bad room string is a usage error now. */
	if ((re = room_validate(o->room, strlen(o->room))) != ROOM_OK) {
		cli_error(o, "room", "%s", room_strerror(re));
		return 2;
	}
	memset(&sc, 0, sizeof(sc));
	sc.batch = o->mode == MODE_BATCH;
	sc.room = o->room;
	sc.identity_path = o->identity;
	sc.nick = o->nick;
	sc.cache_dir = cache_dir(cache, sizeof(cache)) == 0 ? cache : NULL;
	sc.port = o->port;
	sc.dht_port = o->dht_port;
	sc.bootstrap = o->boot;
	sc.nbootstrap = (size_t)o->nbootstrap;
	o->stun[o->nstun] = NULL;
	sc.stun = o->no_stun ? NULL : o->nstun > 0 ? o->stun : default_stun;
	o->turn[o->nturn] = NULL;
	sc.turn = o->nturn > 0 ? o->turn : NULL;
	sc.no_relay = o->no_relay;
	sc.no_dht_fallback = o->no_dht_fallback;
	sc.no_port_mapping = o->no_port_mapping;
	sc.no_peer_exchange = o->no_peer_exchange;
	sc.lan_discovery = o->lan;
	sc.loopback = o->loopback;
	sc.verbose = o->verbose;
	sc.linger_s = o->linger;
	sc.wait_s = o->wait;
	sc.to = o->to;
	sc.dht_proxy = o->dht_proxy;
	sc.dht_hybrid = o->dht_hybrid;
	sc.dht_log = o->dht_log;
	sc.download_dir = o->download_dir;
	sc.clock = &o->clock;
	return session_run(&sc);
}

/* --nat-check: only the servers given with --stun; the public defaults offer no OTHER-ADDRESS. */
static int
run_natcheck(const struct options *o)
{
	struct natcheck_opts nc = {
		.stun = o->stun, .nstun = (unsigned)o->nstun, .port = o->port, .json = o->json
	};

	return natcheck_main(&nc);
}

int
main(int argc, char **argv)
{
	struct options o;
	int status;

	/*
	 * A closed stdin, stdout or stderr would be the number of the next
	 * socket we open, and --batch would read chat lines from it, or write
	 * JSON into it: hold each open on /dev/null instead.
	 */
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", fd == STDIN_FILENO ? O_RDONLY : O_WRONLY) != fd)
			return 1;
	memset(&o, 0, sizeof(o));
	if (parse_args(argc, argv, &o) == -1) {
		usage(stderr);
		return 2;
	}
	if (sodium_init() < 0) {
		fprintf(stderr, "gonet: libsodium failed to initialise\n");
		return 1;
	}
	if (o.mode == MODE_NATCHECK) {
		status = run_natcheck(&o);
		goto out;
	}
	status = 2;
	if (load_config(&o) != 0 || settle(&o) != 0)
		goto out;
	if (o.print_config) {
		status = print_config(&o);
		goto out;
	}
	if (get_room(&o) != 0)
		goto out;
	status = o.mode == MODE_DUMP ? run_dump(&o) : run_session(&o);
out:
	free(o.bootstrap_env);
	sodium_memzero(o.room_buf, sizeof(o.room_buf));
	cfgfile_wipe(&o.cfg);
	return status;
}
