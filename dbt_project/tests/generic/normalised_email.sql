{#- Passes when every non-null value is already lower-case and trimmed (see macro email_key). -#}
{% test normalised_email(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
  and {{ column_name }} <> {{ email_key(column_name) }}
{% endtest %}
