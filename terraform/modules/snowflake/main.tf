################################################################################
# Names
#
# Every name is upper-cased: the provider quotes identifiers, so a lower-case name
# would create a case-sensitive object that unquoted SQL (dbt, Airbyte) cannot find.
# The same names come from tapestry.engines.warehouse.snowflake_objects.SnowflakeObjects.
################################################################################

locals {
  identifier_pattern = "^[A-Za-z_][A-Za-z0-9_$]{0,254}$"

  # Snowflake's reserved keywords: not usable as unquoted identifiers (same list as RESERVED_KEYWORDS in Python).
  reserved_keywords = [
    "ACCOUNT", "ALL", "ALTER", "AND", "ANY", "AS", "BETWEEN", "BY", "CASE", "CAST", "CHECK", "COLUMN", "CONNECT",
    "CONNECTION", "CONSTRAINT", "CREATE", "CROSS", "CURRENT", "CURRENT_DATE", "CURRENT_TIME", "CURRENT_TIMESTAMP",
    "CURRENT_USER", "DATABASE", "DELETE", "DISTINCT", "DROP", "ELSE", "EXISTS", "FALSE", "FOLLOWING", "FOR", "FROM",
    "FULL", "GRANT", "GROUP", "GSCLUSTER", "HAVING", "ILIKE", "IN", "INCREMENT", "INNER", "INSERT", "INTERSECT",
    "INTO", "IS", "ISSUE", "JOIN", "LATERAL", "LEFT", "LIKE", "LOCALTIME", "LOCALTIMESTAMP", "MINUS", "NATURAL",
    "NOT", "NULL", "OF", "ON", "OR", "ORDER", "ORGANIZATION", "QUALIFY", "REGEXP", "REVOKE", "RIGHT", "RLIKE",
    "ROW", "ROWS", "SAMPLE", "SCHEMA", "SELECT", "SET", "SOME", "START", "TABLE", "TABLESAMPLE", "THEN", "TO",
    "TRIGGER", "TRUE", "TRY_CAST", "UNION", "UNIQUE", "UPDATE", "USING", "VALUES", "VIEW", "WHEN", "WHENEVER",
    "WHERE", "WINDOW", "WITH",
  ]
  reserved_schema_names = concat(local.reserved_keywords, ["PUBLIC", "INFORMATION_SCHEMA"])

  prefix = upper(var.prefix)

  names = {
    warehouse          = upper(coalesce(var.warehouse_name, "${local.prefix}_WH"))
    raw_database       = upper(coalesce(var.raw_database_name, "${local.prefix}_RAW"))
    analytics_database = upper(coalesce(var.analytics_database_name, "${local.prefix}_ANALYTICS"))
    analytics_schema   = upper(var.analytics_schema_name)
    marts_schema       = upper(var.marts_schema_name)
    sync_schema        = upper(var.sync_schema_name)
    loader_role        = upper(coalesce(var.loader_role_name, "${local.prefix}_LOADER"))
    transformer_role   = upper(coalesce(var.transformer_role_name, "${local.prefix}_TRANSFORMER"))
    syncer_role        = upper(coalesce(var.syncer_role_name, "${local.prefix}_SYNCER"))
    airbyte_user       = upper(coalesce(var.airbyte_user_name, "${local.prefix}_AIRBYTE"))
    dbt_user           = upper(coalesce(var.dbt_user_name, "${local.prefix}_DBT"))
    sync_user          = upper(coalesce(var.sync_user_name, "${local.prefix}_SYNC"))
    resource_monitor   = upper(coalesce(var.resource_monitor_name, "${local.prefix}_MONITOR"))
  }

  databases = {
    raw       = local.names.raw_database
    analytics = local.names.analytics_database
  }

  # One raw schema per source, keyed by its lower-cased name (a source `zoom` keeps the address
  # snowflake_schema.this["zoom"] it had in 2.x); analytics, marts and sync are the other schemas' keys.
  raw_schemas = { for name in var.raw_schema_names : lower(name) => { database = "raw", name = upper(name) } }

  schemas = merge(local.raw_schemas, {
    analytics = { database = "analytics", name = local.names.analytics_schema }
    marts     = { database = "analytics", name = local.names.marts_schema }
    sync      = { database = "analytics", name = local.names.sync_schema }
  })

  schema_fully_qualified_names = { for key, schema in local.schemas : key => "${local.databases[schema.database]}.${schema.name}" }

  roles = {
    loader      = local.names.loader_role
    transformer = local.names.transformer_role
    syncer      = local.names.syncer_role
  }

  # Snowflake wants the key's base64 body on one line, without the BEGIN/END lines.
  rsa_public_keys_given = {
    airbyte = var.airbyte_user_rsa_public_key
    dbt     = var.dbt_user_rsa_public_key
    sync    = var.sync_user_rsa_public_key
  }
  rsa_public_keys = {
    for key, pem in local.rsa_public_keys_given : key => pem == null ? null : join("", regexall("[A-Za-z0-9+/=]+", replace(replace(pem, "-----BEGIN PUBLIC KEY-----", ""), "-----END PUBLIC KEY-----", "")))
  }

  users = {
    airbyte = { name = local.names.airbyte_user, role = "loader", rsa_public_key = local.rsa_public_keys.airbyte }
    dbt     = { name = local.names.dbt_user, role = "transformer", rsa_public_key = local.rsa_public_keys.dbt }
    sync    = { name = local.names.sync_user, role = "syncer", rsa_public_key = local.rsa_public_keys.sync }
  }

  # The resource monitor, when one is wanted: a map of at most one entry (for_each keeps the address stable).
  # Names are upper-cased like every other name; frequency and start_timestamp are both set or both null.
  resource_monitors = var.resource_monitor == null || !var.create ? {} : {
    warehouse = {
      credit_quota              = var.resource_monitor.credit_quota
      frequency                 = var.resource_monitor.frequency == null ? null : upper(var.resource_monitor.frequency)
      start_timestamp           = var.resource_monitor.start_timestamp
      notify_triggers           = distinct(var.resource_monitor.notify_triggers)
      suspend_trigger           = var.resource_monitor.suspend_trigger
      suspend_immediate_trigger = var.resource_monitor.suspend_immediate_trigger
      notify_users              = sort(distinct([for user in var.resource_monitor.notify_users : upper(user)]))
    }
  }

  ##############################################################################
  # Grants (the same list as SnowflakeObjects.grants(); README.md explains each)
  ##############################################################################

  # USAGE on the warehouse: every role runs queries (auto-resume needs only USAGE).
  warehouse_grants = local.roles

  database_grants = {
    # Airbyte creates its AIRBYTE_INTERNAL schema next to the raw schemas.
    loader_raw = { role = "loader", database = "raw", privileges = ["CREATE SCHEMA", "USAGE"] }
    # dbt reads the raw sources.
    transformer_raw = { role = "transformer", database = "raw", privileges = ["USAGE"] }
    # The sync reads the marts.
    syncer_analytics = { role = "syncer", database = "analytics", privileges = ["USAGE"] }
  }

  schema_grants = merge(
    # Airbyte lands each stream as a table, loading through internal stages; it owns what it creates.
    { for key in keys(local.raw_schemas) : "loader_${key}" => { role = "loader", schema = key, privileges = ["CREATE STAGE", "CREATE TABLE", "USAGE"] } },
    # dbt reads the raw sources; the sync reads the marts.
    { for key in keys(local.raw_schemas) : "transformer_${key}" => { role = "transformer", schema = key, privileges = ["USAGE"] } },
    { syncer_marts = { role = "syncer", schema = "marts", privileges = ["USAGE"] } },
  )

  # SELECT on every table and view of a schema: those that exist now (all) and those created later (future).
  read_grants = merge(
    { for key in keys(local.raw_schemas) : "transformer_${key}_tables" => { role = "transformer", schema = key, object_type_plural = "TABLES" } },
    { for key in keys(local.raw_schemas) : "transformer_${key}_views" => { role = "transformer", schema = key, object_type_plural = "VIEWS" } },
    {
      syncer_marts_tables = { role = "syncer", schema = "marts", object_type_plural = "TABLES" }
      syncer_marts_views  = { role = "syncer", schema = "marts", object_type_plural = "VIEWS" }
    },
  )

  # dbt owns the analytics database and the schemas it builds; the sync owns its state schema.
  database_ownership = {
    analytics = "transformer"
  }
  schema_ownership = {
    analytics = "transformer"
    marts     = "transformer"
    sync      = "syncer"
  }
}

################################################################################
# Warehouse, databases, schemas (default provider: SYSADMIN)
################################################################################

resource "snowflake_warehouse" "this" {
  count = var.create ? 1 : 0

  name                = local.names.warehouse
  warehouse_type      = "STANDARD"
  warehouse_size      = upper(var.warehouse_size)
  auto_suspend        = var.warehouse_auto_suspend_seconds
  auto_resume         = "true"
  initially_suspended = true
  comment             = var.comment

  lifecycle {
    # The resource monitor is assigned by snowflake_execute.warehouse_resource_monitor (ACCOUNTADMIN only);
    # this SYSADMIN-managed resource must not undo that assignment.
    ignore_changes = [resource_monitor]
  }
}

resource "snowflake_database" "this" {
  for_each = var.create ? local.databases : {}

  name    = each.value
  comment = var.comment

  lifecycle {
    precondition {
      condition     = length(distinct(values(local.databases))) == length(local.databases)
      error_message = "The raw and analytics databases need different names."
    }
  }
}

resource "snowflake_schema" "this" {
  for_each = var.create ? local.schemas : {}

  database = snowflake_database.this[each.value.database].name
  name     = each.value.name
  comment  = var.comment

  lifecycle {
    precondition {
      condition     = length(distinct(values(local.schema_fully_qualified_names))) == length(local.schemas)
      error_message = "Two schemas of the same database have the same name."
    }
  }
}

################################################################################
# Roles and service users (snowflake.security_admin: SECURITYADMIN)
################################################################################

resource "snowflake_account_role" "this" {
  provider = snowflake.security_admin
  for_each = var.create ? local.roles : {}

  name    = each.value
  comment = var.comment

  lifecycle {
    precondition {
      condition     = length(distinct(values(local.roles))) == length(local.roles)
      error_message = "The loader, transformer and syncer roles need different names."
    }
  }
}

# Each role is granted to SYSADMIN: administrators keep control of what the roles own, and the
# SYSADMIN provider can still manage the analytics database and schemas after their ownership moves.
resource "snowflake_grant_account_role" "to_sysadmin" {
  provider = snowflake.security_admin
  for_each = var.create ? local.roles : {}

  role_name        = snowflake_account_role.this[each.key].name
  parent_role_name = "SYSADMIN"
}

# TYPE = SERVICE: no password and no MFA; key-pair login only.
resource "snowflake_service_user" "this" {
  provider = snowflake.security_admin
  for_each = var.create ? local.users : {}

  name              = each.value.name
  rsa_public_key    = each.value.rsa_public_key
  default_role      = snowflake_account_role.this[each.value.role].name
  default_warehouse = snowflake_warehouse.this[0].name
  comment           = var.comment

  lifecycle {
    precondition {
      condition     = length(distinct([for user in local.users : user.name])) == length(local.users)
      error_message = "The Airbyte, dbt and sync users need different names."
    }
  }
}

# default_role does not grant the role: this does.
resource "snowflake_grant_account_role" "to_user" {
  provider = snowflake.security_admin
  for_each = var.create ? local.users : {}

  role_name = snowflake_account_role.this[each.value.role].name
  user_name = snowflake_service_user.this[each.key].name
}

################################################################################
# Privileges (snowflake.security_admin: MANAGE GRANTS)
################################################################################

resource "snowflake_grant_privileges_to_account_role" "warehouse" {
  provider = snowflake.security_admin
  for_each = var.create ? local.warehouse_grants : {}

  account_role_name = snowflake_account_role.this[each.key].name
  privileges        = ["USAGE"]

  on_account_object {
    object_type = "WAREHOUSE"
    object_name = snowflake_warehouse.this[0].fully_qualified_name
  }
}

resource "snowflake_grant_privileges_to_account_role" "database" {
  provider = snowflake.security_admin
  for_each = var.create ? local.database_grants : {}

  account_role_name = snowflake_account_role.this[each.value.role].name
  privileges        = each.value.privileges

  on_account_object {
    object_type = "DATABASE"
    object_name = snowflake_database.this[each.value.database].fully_qualified_name
  }
}

resource "snowflake_grant_privileges_to_account_role" "schema" {
  provider = snowflake.security_admin
  for_each = var.create ? local.schema_grants : {}

  account_role_name = snowflake_account_role.this[each.value.role].name
  privileges        = each.value.privileges

  on_schema {
    schema_name = snowflake_schema.this[each.value.schema].fully_qualified_name
  }
}

# Tables and views that exist when the grant is applied (e.g. an existing raw schema).
resource "snowflake_grant_privileges_to_account_role" "all_schema_objects" {
  provider = snowflake.security_admin
  for_each = var.create ? local.read_grants : {}

  account_role_name = snowflake_account_role.this[each.value.role].name
  privileges        = ["SELECT"]

  on_schema_object {
    all {
      object_type_plural = each.value.object_type_plural
      in_schema          = snowflake_schema.this[each.value.schema].fully_qualified_name
    }
  }
}

# Tables and views created later (Airbyte's new streams, dbt's rebuilt marts).
resource "snowflake_grant_privileges_to_account_role" "future_schema_objects" {
  provider = snowflake.security_admin
  for_each = var.create ? local.read_grants : {}

  account_role_name = snowflake_account_role.this[each.value.role].name
  privileges        = ["SELECT"]

  on_schema_object {
    future {
      object_type_plural = each.value.object_type_plural
      in_schema          = snowflake_schema.this[each.value.schema].fully_qualified_name
    }
  }
}

################################################################################
# Ownership (default provider: SYSADMIN). COPY keeps the grants made above.
#
# SYSADMIN created these objects and may hand them over: the new owner roles are
# granted to SYSADMIN first (depends_on), so they are active in its session. On
# destroy the provider gives ownership back to the role it runs as; that must be
# SYSADMIN, which then drops the schemas and databases. (Through SECURITYADMIN the
# objects would go back to SECURITYADMIN, and SYSADMIN could no longer drop them.)
################################################################################

resource "snowflake_grant_ownership" "database" {
  for_each = var.create ? local.database_ownership : {}

  account_role_name   = snowflake_account_role.this[each.value].name
  outbound_privileges = "COPY"

  on {
    object_type = "DATABASE"
    object_name = snowflake_database.this[each.key].fully_qualified_name
  }

  depends_on = [snowflake_grant_account_role.to_sysadmin, snowflake_schema.this]
}

resource "snowflake_grant_ownership" "schema" {
  for_each = var.create ? local.schema_ownership : {}

  account_role_name   = snowflake_account_role.this[each.value].name
  outbound_privileges = "COPY"

  on {
    object_type = "SCHEMA"
    object_name = snowflake_schema.this[each.key].fully_qualified_name
  }

  depends_on = [snowflake_grant_account_role.to_sysadmin]
}

################################################################################
# Resource monitor (snowflake.account_admin: only ACCOUNTADMIN may create one or
# assign it to a warehouse). Absent unless var.resource_monitor is set.
################################################################################

resource "snowflake_resource_monitor" "this" {
  provider = snowflake.account_admin
  for_each = local.resource_monitors

  name                      = local.names.resource_monitor
  credit_quota              = each.value.credit_quota
  frequency                 = each.value.frequency
  start_timestamp           = each.value.start_timestamp
  notify_triggers           = each.value.notify_triggers
  suspend_trigger           = each.value.suspend_trigger
  suspend_immediate_trigger = each.value.suspend_immediate_trigger
  notify_users              = each.value.notify_users
}

# The warehouse stays SYSADMIN's (created by the default provider, as in the SQL script); only the assignment
# runs as ACCOUNTADMIN, the provider's documented way to assign a monitor to a warehouse it did not create.
resource "snowflake_execute" "warehouse_resource_monitor" {
  provider = snowflake.account_admin
  for_each = local.resource_monitors

  execute = "ALTER WAREHOUSE ${snowflake_warehouse.this[0].fully_qualified_name} SET RESOURCE_MONITOR = ${snowflake_resource_monitor.this[each.key].fully_qualified_name}"
  revert  = "ALTER WAREHOUSE IF EXISTS ${snowflake_warehouse.this[0].fully_qualified_name} UNSET RESOURCE_MONITOR"

  lifecycle {
    # A replaced monitor comes back unassigned; assigning again after any change of it is cheap and covers that.
    replace_triggered_by = [snowflake_resource_monitor.this[each.key]]
  }
}
