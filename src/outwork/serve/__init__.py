"""``outwork serve``: an HTTP API over the engine and the results store (:mod:`.app`), the scans
it runs (:mod:`.runner`), its tokens and rate limits (:mod:`.auth`), and a page over the API
(``data/``). Needs the ``serve`` extra (FastAPI, uvicorn); nothing else imports this package."""
