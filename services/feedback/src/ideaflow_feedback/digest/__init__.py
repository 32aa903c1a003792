"""The digest for employees: what customers said in a period (`/v1/themes/digest`)."""
