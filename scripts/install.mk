# make install / make uninstall -- included by the top Makefile.
#
#   make install [PREFIX=/usr/local] [DESTDIR=...] [NOBUILD=1]
#   make uninstall [PREFIX=...] [DESTDIR=...]
#
# PREFIX/bin           inboxd, inboxctl
# PREFIX/lib/inboxd/plugins  every built plugin (BUILD/plugins/*.so); the
#                      daemon finds them relative to its own binary
# SYSCONFDIR/inboxd    inboxd.json and the data files (etc/inboxd/**);
#                      SYSCONFDIR is /etc for PREFIX=/usr, PREFIX/etc else
#                      (where the daemon looks: BINDIR/../etc/inboxd, then
#                      /etc/inboxd).  An existing, changed inboxd.json is
#                      kept; the shipped one goes next to it as .new.
# PREFIX/include/inboxd/plugin.h and LIBDIR/pkgconfig/inboxd-plugin.pc
#                      (from scripts/inboxd-plugin.pc.in) for third-party
#                      plugins: cc $(pkg-config --cflags inboxd-plugin) -shared
# UNITDIR, TMPFILESDIR, SYSUSERSDIR  systemd/ (paths in the units follow
#                      BINDIR and SYSCONFDIR)
# MANDIR               inboxd(8), inboxctl(1), inboxd.json(5)
# PREFIX/share/inboxd/install-manifest  what was installed, for uninstall
#                      (which never removes files it did not install, such
#                      as third-party plugins, nor a changed inboxd.json).
#
# NOBUILD=1 installs what is built already (the daemon and inboxctl must
# be; plugins that are not built are skipped) instead of building `all`.
# With an empty DESTDIR, as root, on a system running systemd, with UNITDIR
# in systemd's search path, install also creates the user (systemd-sysusers),
# the inbox (systemd-tmpfiles) and reloads systemd; it never enables or
# starts anything.

BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
PKGCONFIGDIR ?= $(LIBDIR)/pkgconfig
# Fixed relative to BINDIR: the daemon looks in BINDIR/../lib/inboxd/plugins.
PLUGINDIR := $(PREFIX)/lib/inboxd/plugins
ifeq ($(PREFIX),/usr)
SYSCONFDIR ?= /etc
else
SYSCONFDIR ?= $(PREFIX)/etc
endif
UNITDIR ?= $(PREFIX)/lib/systemd/system
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
MANIFEST := $(DATADIR)/inboxd/install-manifest

INSTALL ?= install
ABI_VERSION := $(shell sed -n 's/^\#define INBOXD_ABI_VERSION \([0-9][0-9]*\).*/\1/p' include/inboxd/plugin.h)

ifeq ($(NOBUILD),1)
INSTALL_DEPS :=
else
INSTALL_DEPS := all
endif

# Units and man pages carry the PREFIX=/usr paths; rewritten for others.
INSTALL_SED := sed -e 's|/usr/bin/inboxd|$(BINDIR)/inboxd|g' \
	-e 's|/usr/bin/inboxctl|$(BINDIR)/inboxctl|g' \
	-e 's|/etc/inboxd|$(SYSCONFDIR)/inboxd|g' \
	-e 's|/usr/lib/inboxd/plugins|$(PLUGINDIR)|g'

# A directory under PREFIX written as ${prefix}/... in the .pc file.
pcrel = $(patsubst $(PREFIX)/%,$${prefix}/%,$(1))

# $(call inst,MODE,SRC,DEST): install one file and record it.
define inst
	$(INSTALL) -D -m $(1) $(2) $(DESTDIR)$(3) && echo '$(3)' >> $(DESTDIR)$(MANIFEST).tmp
endef
define inst_sed
	mkdir -p $(dir $(DESTDIR)$(3)) && $(INSTALL_SED) $(2) > $(DESTDIR)$(3).tmp && \
	chmod $(1) $(DESTDIR)$(3).tmp && mv -f $(DESTDIR)$(3).tmp $(DESTDIR)$(3) && \
	echo '$(3)' >> $(DESTDIR)$(MANIFEST).tmp
endef

.PHONY: install uninstall install-check
install-check: $(INSTALL_DEPS)
	@test -x $(BUILD)/inboxd && test -x $(BUILD)/inboxctl || \
	  { echo "install: $(BUILD)/inboxd and $(BUILD)/inboxctl are not built (run make)" >&2; exit 1; }
	@test -n "$(ABI_VERSION)" || { echo "install: no INBOXD_ABI_VERSION in include/inboxd/plugin.h" >&2; exit 1; }

install: install-check
	@mkdir -p $(dir $(DESTDIR)$(MANIFEST)) && : > $(DESTDIR)$(MANIFEST).tmp
	$(call inst,0755,$(BUILD)/inboxd,$(BINDIR)/inboxd)
	$(call inst,0755,$(BUILD)/inboxctl,$(BINDIR)/inboxctl)
	@set -e; for so in $(wildcard $(BUILD)/plugins/*.so); do \
	  n=$$(basename $$so); \
	  echo "$(INSTALL) -D -m 0755 $$so $(DESTDIR)$(PLUGINDIR)/$$n"; \
	  $(INSTALL) -D -m 0755 $$so $(DESTDIR)$(PLUGINDIR)/$$n; \
	  echo "$(PLUGINDIR)/$$n" >> $(DESTDIR)$(MANIFEST).tmp; \
	done
	@mkdir -p $(DESTDIR)$(PLUGINDIR)
	$(call inst,0644,include/inboxd/plugin.h,$(INCLUDEDIR)/inboxd/plugin.h)
	mkdir -p $(DESTDIR)$(PKGCONFIGDIR)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@INCLUDEDIR@|$(call pcrel,$(INCLUDEDIR))|g' \
	    -e 's|@LIBDIR@|$(call pcrel,$(LIBDIR))|g' -e 's|@PLUGINDIR@|$(call pcrel,$(PLUGINDIR))|g' \
	    -e 's|@SYSCONFDIR@|$(call pcrel,$(SYSCONFDIR))|g' -e 's|@VERSION@|$(VERSION)|g' \
	    -e 's|@ABI_VERSION@|$(ABI_VERSION)|g' \
	    scripts/inboxd-plugin.pc.in > $(DESTDIR)$(PKGCONFIGDIR)/inboxd-plugin.pc
	@echo '$(PKGCONFIGDIR)/inboxd-plugin.pc' >> $(DESTDIR)$(MANIFEST).tmp
	@set -e; if [ -d etc/inboxd ]; then cd etc/inboxd && \
	  find . -type f ! -name '.*' ! -name '*~' | LC_ALL=C sort | while IFS= read -r f; do \
	    f=$${f#./}; \
	    $(INSTALL) -D -m 0644 "$$f" "$(DESTDIR)$(SYSCONFDIR)/inboxd/$$f"; \
	    echo "$(SYSCONFDIR)/inboxd/$$f" >> $(DESTDIR)$(MANIFEST).tmp; \
	  done; echo "installed data files: etc/inboxd -> $(DESTDIR)$(SYSCONFDIR)/inboxd"; fi
	@set -e; if [ -f etc/inboxd.json ]; then \
	  d=$(DESTDIR)$(SYSCONFDIR)/inboxd/inboxd.json; \
	  if [ -f "$$d" ] && ! cmp -s etc/inboxd.json "$$d"; then \
	    $(INSTALL) -D -m 0644 etc/inboxd.json "$$d.new"; \
	    echo "install: kept your $$d; the shipped one is $$d.new"; \
	    echo "$(SYSCONFDIR)/inboxd/inboxd.json.new" >> $(DESTDIR)$(MANIFEST).tmp; \
	  else \
	    $(INSTALL) -D -m 0644 etc/inboxd.json "$$d"; echo "installed $$d"; \
	    echo "$(SYSCONFDIR)/inboxd/inboxd.json" >> $(DESTDIR)$(MANIFEST).tmp; \
	  fi; fi
	$(call inst_sed,0644,systemd/inboxd.service,$(UNITDIR)/inboxd.service)
	$(call inst_sed,0644,systemd/inboxd.socket,$(UNITDIR)/inboxd.socket)
	$(call inst,0644,systemd/inboxd.tmpfiles,$(TMPFILESDIR)/inboxd.conf)
	$(call inst,0644,systemd/inboxd.sysusers,$(SYSUSERSDIR)/inboxd.conf)
	$(call inst_sed,0644,docs/man/inboxd.8,$(MANDIR)/man8/inboxd.8)
	$(call inst_sed,0644,docs/man/inboxctl.1,$(MANDIR)/man1/inboxctl.1)
	$(call inst_sed,0644,docs/man/inboxd.json.5,$(MANDIR)/man5/inboxd.json.5)
	@echo '$(MANIFEST)' >> $(DESTDIR)$(MANIFEST).tmp
	@mv -f $(DESTDIR)$(MANIFEST).tmp $(DESTDIR)$(MANIFEST)
	@case "$(UNITDIR)" in /lib/systemd/system|/usr/lib/systemd/system|/usr/local/lib/systemd/system|/etc/systemd/system) live=1;; *) live=0;; esac; \
	if [ -z "$(DESTDIR)" ] && [ $$live = 1 ] && [ "$$(id -u)" = 0 ] && [ -d /run/systemd/system ]; then \
	  systemd-sysusers $(SYSUSERSDIR)/inboxd.conf && \
	  systemd-tmpfiles --create $(TMPFILESDIR)/inboxd.conf && \
	  systemctl daemon-reload && \
	  echo "inboxd: user, group and inbox created; start it with: systemctl enable --now inboxd.socket inboxd.service"; \
	elif [ -z "$(DESTDIR)" ] && [ $$live = 1 ]; then \
	  echo "inboxd: as root run: systemd-sysusers; systemd-tmpfiles --create; systemctl daemon-reload"; \
	fi

uninstall:
	@set -e; m=$(DESTDIR)$(MANIFEST); \
	if [ ! -f "$$m" ]; then echo "uninstall: no $$m: nothing installed with this PREFIX/DESTDIR" >&2; exit 1; fi; \
	while IFS= read -r f; do \
	  case "$$f" in \
	    */inboxd.json) if cmp -s etc/inboxd.json "$(DESTDIR)$$f"; then rm -f "$(DESTDIR)$$f"; fi ;; \
	    *) rm -f "$(DESTDIR)$$f" ;; \
	  esac; \
	done < "$$m"; \
	rm -f "$$m"; \
	c=$(DESTDIR)$(SYSCONFDIR)/inboxd/inboxd.json; \
	if [ -f "$$c" ]; then echo "uninstall: kept $$c (changed)"; fi; \
	for d in $(SYSCONFDIR)/inboxd $(PLUGINDIR) $(PREFIX)/lib/inboxd $(INCLUDEDIR)/inboxd $(DATADIR)/inboxd; do \
	  if [ -d "$(DESTDIR)$$d" ]; then find "$(DESTDIR)$$d" -depth -type d -empty -delete; fi; \
	done; \
	echo "uninstalled inboxd from $(DESTDIR)$(PREFIX)"
