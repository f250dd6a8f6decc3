"""Access: users, roles and grants, API tokens, and the check run before every action.

Off until an administrator enables it (`enable_access_control`); from then on every action's
actor must be authenticated (an API token) and hold a role permitting the action, its record
rules (warehouses, own documents) and, for approvals, segregation of duties and amount limits.
"""
