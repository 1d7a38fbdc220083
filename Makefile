# paper-to-demo: `make demo` launches the suite, `make test` runs the tests; both set up what they need.
PY      := .venv/bin/python
STAMP   := .venv/.installed
APT_PKGS := dataset-fashion-mnist chromium chromium-driver
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_DISABLE_TELEMETRY := 1
export STREAMLIT_BROWSER_GATHER_USAGE_STATS := false

.PHONY: setup apt demo demo-streamlit test lint bench clean

setup: $(STAMP) apt

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(STAMP)

# Debian packages (Fashion-MNIST data); installed when missing and we may (root or sudo).
apt:
	@missing=""; for p in $(APT_PKGS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	  else echo "Please install:$$missing (apt-get install -y$$missing)"; exit 0; fi; \
	  echo "Installing$$missing"; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: setup
	HF_HUB_OFFLINE=$${HF_HUB_OFFLINE:-1} $(PY) app.py

demo-streamlit: setup
	$(PY) -m streamlit run demos/streamlit_app.py --server.headless true --server.address 127.0.0.1 --server.port 8501

test: setup
	HF_HUB_OFFLINE=1 $(PY) -m pytest -q

lint: setup
	$(PY) -m ruff check .

bench: setup
	$(PY) -m bench.sr_speed
	$(PY) -m bench.fashion_speed
	$(PY) -m bench.gan_speed

clean:
	rm -rf .venv .pytest_cache .ruff_cache
