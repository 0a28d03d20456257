"""The Streamlit review app (`budgetlens ui`): pages in ui/views/, shared parts beside them."""
