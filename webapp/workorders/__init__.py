"""Work orders: priorities, the status flow, the crew's task list."""
