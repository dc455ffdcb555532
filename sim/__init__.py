"""servicesim: discrete-event simulation of service operations."""

__version__ = "0.1.0"
