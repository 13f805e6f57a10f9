"""Server-rendered pages: thin, they call the services and fill Jinja2 templates."""
