"""The one gateway to the Kubernetes API: every call into kubernetes_asyncio goes through here."""
