from .settings import bp

__all__ = ["bp"]
